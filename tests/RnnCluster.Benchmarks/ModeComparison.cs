using System.Text.Json;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The communication modes side by side on one PTB job (issue "Communication-efficient training
/// modes"): sync against local SGD with several sync periods, each with <c>local --workers N
/// --threads 1</c>, run one after another in one session; tokens/s, bytes per step (per round in
/// local SGD) and validation perplexity after the given epochs.
/// </summary>
public static class ModeComparison
{
    private const string Small = "--model lstm --layers 2 --hidden 200 --batch 20 --bptt 20 --lr 1 --clip 5 --decay-after 4 --decay 0.5";

    /// <param name="epochs">Passes over PTB's training text per run.</param>
    /// <param name="maxSteps">0: the whole epochs; else a step limit per run (a quick look at speed only).</param>
    /// <param name="modes">e.g. "sync", "local-sgd:4", "local-sgd:16", "async:2", each optionally with "+COMPRESS" ("sync+bf16", "sync+topk:0.01").</param>
    public static object Run(string repoRoot, string corpus, int workers, int epochs, long maxSteps, IReadOnlyList<string> modes)
    {
        var results = new List<object>();
        foreach (var mode in modes)
        {
            var plus = mode.IndexOf('+');
            var (name, compress) = plus < 0 ? (mode, "none") : (mode[..plus], mode[(plus + 1)..]);
            var parts = name.Split(':');
            var flags = parts[0] switch
            {
                "local-sgd" => $"--mode local-sgd --sync-every {parts[1]}",
                "async" => $"--mode async --max-staleness {parts[1]} --ps-placement coordinator",
                _ => $"--mode {parts[0]} --ps-placement coordinator",
            } + $" --compress {compress}";
            var limit = maxSteps > 0 ? $"--max-steps {maxSteps}" : string.Empty;
            var summary = CliRunner.Summary(repoRoot, $"local --workers {workers} --threads 1 --corpus {corpus} {Small} --epochs {epochs} {limit} {flags}");
            var timings = summary.TryGetProperty("step_timings", out var t) ? t.Clone() : default;
            var h = parts[0] == "local-sgd" ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
            var entry = new
            {
                mode,
                tokens_per_sec = summary.GetProperty("tokens_per_sec").GetDouble(),
                valid_ppl = summary.GetProperty("valid_ppl").GetDouble(),
                steps = summary.GetProperty("steps").GetInt64(),
                server_mb_each_way_per_step = timings.ValueKind == JsonValueKind.Object
                    ? Math.Round((timings.GetProperty("mb_down").GetDouble() + timings.GetProperty("mb_up").GetDouble()) / 2 / h, 3)
                    : (double?)null,
                server_mb_down_per_step = timings.ValueKind == JsonValueKind.Object ? Math.Round(timings.GetProperty("mb_down").GetDouble() / h, 3) : (double?)null,
                server_mb_up_per_step = timings.ValueKind == JsonValueKind.Object ? Math.Round(timings.GetProperty("mb_up").GetDouble() / h, 3) : (double?)null,
                step_timings = timings.ValueKind == JsonValueKind.Object ? timings : (JsonElement?)null,
            };
            Console.Error.WriteLine($"{mode}: {entry.tokens_per_sec:F0} tokens/s, valid ppl {entry.valid_ppl:F2}, {entry.server_mb_down_per_step} MB down and {entry.server_mb_up_per_step} MB up per step at the server");
            results.Add(entry);
        }

        return new { workers, epochs, max_steps = maxSteps, runs = results };
    }
}
