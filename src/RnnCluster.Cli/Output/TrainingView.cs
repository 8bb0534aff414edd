using RnnCluster.Core.Training;
using Spectre.Console;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Shows a run: JSON lines with <c>--json</c>; a progress bar on a terminal; otherwise plain lines.
/// Progress events are throttled by time so a fast run does not flood the output.
/// </summary>
public sealed class TrainingView : ITrainingObserver
{
    private readonly bool _json;
    private readonly ProgressThrottle _throttle;
    private ProgressTask? _bar;

    public TrainingView(bool json)
    {
        _json = json;
        Interactive = !json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        _throttle = new ProgressThrottle(TimeSpan.FromSeconds(json ? 2 : Interactive ? 0.25 : 10));
    }

    public bool Interactive { get; }

    /// <summary>Runs <paramref name="body"/> with a live progress bar when interactive.</summary>
    public T Run<T>(string title, Func<T> body)
    {
        if (!Interactive)
        {
            return body();
        }

        return AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                _bar = ctx.AddTask(title, maxValue: 1.0);
                return body();
            });
    }

    public void OnProgress(ProgressReport r)
    {
        var last = r.Window == r.WindowsPerEpoch;
        if (!_throttle.Due(force: last))
        {
            return;
        }

        if (_json)
        {
            JsonEvents.Write("progress", new
            {
                epoch = r.Epoch,
                step = r.Step,
                window = r.Window,
                windows = r.WindowsPerEpoch,
                train_ppl = Math.Round(r.TrainPerplexity, 3),
                tokens_per_sec = Math.Round(r.TokensPerSecond, 1),
                workers = r.Workers,
                lr = r.LearningRate,
            });
        }
        else if (_bar is not null)
        {
            _bar.Description = $"epoch {r.Epoch} · ppl {r.TrainPerplexity:F1} · {r.TokensPerSecond:F0} tok/s · lr {r.LearningRate:G3}";
            _bar.Value = (double)r.Window / r.WindowsPerEpoch;
        }
        else
        {
            Console.WriteLine($"epoch {r.Epoch} step {r.Step} ({r.Window}/{r.WindowsPerEpoch}) train_ppl {r.TrainPerplexity:F2} tok/s {r.TokensPerSecond:F0}");
        }
    }

    public void OnEpoch(EpochReport r) => OnEpoch(r, null);

    /// <summary>
    /// Shows an epoch's end. <paramref name="tokensExpected"/> (cluster jobs) is what the epoch's windows
    /// hold: JSON then carries tokens_accounted and tokens_expected, and a mismatch is shown as one.
    /// </summary>
    public void OnEpoch(EpochReport r, long? tokensExpected)
    {
        if (_json)
        {
            JsonEvents.Write("epoch", new
            {
                epoch = r.Epoch,
                train_ppl = Math.Round(r.TrainPerplexity, 3),
                valid_ppl = Math.Round(r.ValidPerplexity, 3),
                tokens = r.Tokens,
                lr = r.LearningRate,
                seconds = Math.Round(r.Seconds, 2),
                tokens_accounted = tokensExpected is null ? (long?)null : r.Tokens,
                tokens_expected = tokensExpected,
            });
            return;
        }

        if (tokensExpected is { } expected && expected != r.Tokens)
        {
            Info($"  token accounting mismatch: {r.Tokens:N0} tokens trained in epoch {r.Epoch}, its windows hold {expected:N0}");
        }

        var line = $"epoch {r.Epoch}: train ppl {r.TrainPerplexity:F2}, valid ppl {r.ValidPerplexity:F2}, lr {r.LearningRate:G4}, {r.Tokens:N0} tokens in {r.Seconds:F1}s";
        if (Interactive)
        {
            AnsiConsole.MarkupLine(Markup.Escape(line));
        }
        else
        {
            Console.WriteLine(line);
        }
    }

    /// <summary>Prints a start-up fact (backend, data, parameter count); with --json as a "start" event.</summary>
    public void Info(string message) => Message(_json, "start", message);

    /// <summary>Prints a fact about the finished run (where --keep-best or --log-dir put their files); with --json as a "note" event.</summary>
    public void Note(string message) => Message(_json, "note", message);

    /// <summary>A line of text, or with <paramref name="json"/> a JSON event <paramref name="kind"/> carrying it as its message.</summary>
    public static void Message(bool json, string kind, string message)
    {
        if (json)
        {
            JsonEvents.Write(kind, new { message });
            return;
        }

        Console.WriteLine(message);
    }
}
