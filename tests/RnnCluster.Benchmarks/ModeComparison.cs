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
            var (flags, syncEvery) = JobFlags(mode);
            var limit = maxSteps > 0 ? $"--max-steps {maxSteps}" : string.Empty;
            var summary = CliRunner.Summary(repoRoot, $"local --workers {workers} --threads 1 --corpus {corpus} {Small} --epochs {epochs} {limit} {flags}");
            results.Add(Entry(mode, summary, syncEvery));
        }

        return new { workers, epochs, max_steps = maxSteps, runs = results };
    }

    /// <summary>
    /// The job flags of one table entry: "sync" (central server, as the table's rows), "sharded"
    /// (sync with a key-range shard on each worker), "local-sgd:H", "async:S", each optionally with
    /// "+COMPRESS"; and H, the optimizer steps per server round (1 outside local SGD).
    /// </summary>
    /// <exception cref="ArgumentException">The entry names no known mode.</exception>
    public static (string Flags, int SyncEvery) JobFlags(string mode)
    {
        var plus = mode.IndexOf('+');
        var (name, compress) = plus < 0 ? (mode, "none") : (mode[..plus], mode[(plus + 1)..]);
        var parts = name.Split(':');
        var flags = parts[0] switch
        {
            "local-sgd" => $"--mode local-sgd --sync-every {parts[1]}",
            "async" => $"--mode async --max-staleness {parts[1]} --ps-placement coordinator",
            "sync" => "--mode sync --ps-placement coordinator",
            "sharded" => "--mode sync --ps-placement workers",
            _ => throw new ArgumentException($"unknown mode entry '{mode}' (sync, sharded, local-sgd:H, async:S, each optionally +COMPRESS)"),
        } + $" --compress {compress}";
        return (flags, parts[0] == "local-sgd" ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 1);
    }

    /// <summary>One table row from a job's summary event: tokens/s, perplexity and the server's megabytes per optimizer step.</summary>
    public static object Entry(string mode, JsonElement summary, int syncEvery)
    {
        var timings = summary.TryGetProperty("step_timings", out var t) ? t.Clone() : default;
        var hasTimings = timings.ValueKind == JsonValueKind.Object;
        double? PerStep(string name) => hasTimings ? Math.Round(timings.GetProperty(name).GetDouble() / syncEvery, 3) : null;
        var entry = new
        {
            mode,
            tokens_per_sec = summary.GetProperty("tokens_per_sec").GetDouble(),
            valid_ppl = summary.GetProperty("valid_ppl").GetDouble(),
            steps = summary.GetProperty("steps").GetInt64(),
            server_mb_down_per_step = PerStep("mb_down"),
            server_mb_up_per_step = PerStep("mb_up"),
            worker_mb_sent_per_step = PerStep("worker_mb_sent"),
            worker_mb_received_per_step = PerStep("worker_mb_received"),
            step_timings = hasTimings ? timings : (JsonElement?)null,
        };
        Console.Error.WriteLine($"{mode}: {entry.tokens_per_sec:F0} tokens/s, valid ppl {entry.valid_ppl:F2}, {entry.server_mb_down_per_step} MB down and {entry.server_mb_up_per_step} MB up per step at the server");
        return entry;
    }
}
