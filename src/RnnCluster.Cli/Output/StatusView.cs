using System.Globalization;
using RnnCluster.Cluster.Protocol;
using Spectre.Console;

namespace RnnCluster.Cli.Output;

/// <summary><c>status</c>: members and jobs as two tables, or one JSON object with <c>--json</c>.</summary>
public static class StatusView
{
    public static void Print(ClusterStatus status, bool json)
    {
        if (json)
        {
            JsonEvents.WriteObject(new
            {
                notice = status.Notice,
                members = status.Members.Select(m => new { address = m.Address, roles = m.Roles, status = m.Status }),
                jobs = status.Jobs.Select(j => new
                {
                    id = j.Id,
                    task = j.Task,
                    state = j.State,
                    mode = j.Mode,
                    epoch = j.Epoch,
                    step = j.Step,
                    tokens_per_sec = Math.Round(j.TokensPerSec, 1),
                    train_ppl = Rounded(j.TrainPpl),
                    valid_ppl = Rounded(j.ValidPpl),
                    workers = j.Workers,
                    mb_per_step = j.BusiestLinkMbPerStep is { } mb ? Math.Round(mb, 3) : (double?)null,
                    optimizer_steps_per_server_step = j.StepsPerServerStep,
                    step_timings = j.Timings is { } t ? SummaryPrinter.StepTimingsJson(t) : null,
                    reason = j.Reason,
                }),
            });
            return;
        }

        if (status.Notice is { } notice)
        {
            Console.WriteLine($"note: {notice}");
        }

        if (Console.IsOutputRedirected)
        {
            // Spectre assumes 80 columns without a terminal; the jobs table needs more.
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 140);

            // and no colour codes in a file or pipe
            AnsiConsole.Profile.Capabilities.Ansi = false;
            AnsiConsole.Profile.Capabilities.ColorSystem = ColorSystem.NoColors;
        }

        var members = new Table().Title("members").AddColumns("address", "roles", "status");
        foreach (var m in status.Members)
        {
            members.AddRow(Markup.Escape(m.Address), Markup.Escape(string.Join(",", m.Roles)), Markup.Escape(m.Status));
        }

        AnsiConsole.Write(members);
        if (status.Jobs.Count == 0)
        {
            AnsiConsole.WriteLine("no jobs");
            return;
        }

        var jobs = new Table().Title("jobs").AddColumns("job", "state", "mode", "epoch", "step", "tokens/s", "train ppl", "valid ppl", "workers", "MB/step", "step ms (compute, comm., update)", "reason");
        foreach (var j in status.Jobs)
        {
            jobs.AddRow(
                Markup.Escape(j.Task == "lm" ? j.Id : $"{j.Id} ({j.Task}: ppl = exp of the mean loss)"),
                Markup.Escape(j.State),
                Markup.Escape(j.Mode),
                j.Epoch.ToString(CultureInfo.InvariantCulture),
                j.Step.ToString(CultureInfo.InvariantCulture),
                j.TokensPerSec.ToString("F0", CultureInfo.InvariantCulture),
                Text(j.TrainPpl),
                Text(j.ValidPpl),
                j.Workers.ToString(CultureInfo.InvariantCulture),
                j.BusiestLinkMbPerStep is { } mb ? mb.ToString("F2", CultureInfo.InvariantCulture) : "-",
                j.Timings is { } t
                    ? string.Create(CultureInfo.InvariantCulture, $"{t.StepMs / j.StepsPerServerStep:F0} ({t.SlowestComputeMs / j.StepsPerServerStep:F0}, {Math.Max(0, t.BarrierMs - t.SlowestComputeMs) / j.StepsPerServerStep:F0}, {t.UpdateMs / j.StepsPerServerStep:F0})")
                    : "-",
                Markup.Escape(j.Reason ?? string.Empty));
        }

        AnsiConsole.Write(jobs);
    }

    // A job that has not reached an epoch end has no perplexity yet (NaN or 0).
    private static double? Rounded(double ppl) => double.IsFinite(ppl) && ppl > 0 ? Math.Round(ppl, 3) : null;

    private static string Text(double ppl) => Rounded(ppl) is { } p ? p.ToString("F2", CultureInfo.InvariantCulture) : "-";
}
