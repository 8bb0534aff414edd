using System.Globalization;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

public static class SummaryPrinter
{
    /// <summary>
    /// The final summary: a JSON event with <c>--json</c>, else a short table of lines. For a cluster job
    /// (<paramref name="cluster"/> set) peak memory is the largest of the coordinator and worker
    /// processes and the step timings are shown; otherwise peak memory is this process's.
    /// </summary>
    public static void Print(TrainingSummary s, bool json, double? optimalPpl, string? outPath, JobCompleted? cluster = null)
    {
        var peak = cluster is null ? PeakMemory.ResidentMb() : Math.Max(cluster.CoordinatorPeakRssMb, cluster.WorkerPeakRssMb);
        var timings = cluster?.StepTimings;
        if (json)
        {
            JsonEvents.Write("summary", new
            {
                tokens_per_sec = Math.Round(s.TokensPerSecond, 1),
                train_ppl = Math.Round(s.TrainPerplexity, 3),
                valid_ppl = Math.Round(s.ValidPerplexity, 3),
                test_ppl = s.TestPerplexity is { } t ? Math.Round(t, 3) : (double?)null,
                optimal_ppl = optimalPpl is { } o ? Math.Round(o, 3) : (double?)null,
                steps = s.Steps,
                epochs = s.Epochs,
                tokens = s.Tokens,
                wall_seconds = Math.Round(s.WallSeconds, 2),
                train_seconds = Math.Round(s.TrainSeconds, 2),
                workers = s.Workers,
                peak_rss_mb = peak,
                peak_rss_mb_coordinator = cluster?.CoordinatorPeakRssMb,
                peak_rss_mb_worker = cluster?.WorkerPeakRssMb,
                step_timings = timings is null ? null : StepTimingsJson(timings),
                weights_sha256 = s.WeightsSha256,
                ps_placement = cluster?.PsPlacement,
                mode = cluster?.Mode,
                sync_every = cluster?.SyncEvery,
                warmup_sync_steps = cluster?.WarmupSyncSteps,
                compress = cluster?.Compress,
                max_staleness = cluster?.MaxStaleness,
                staleness_mean_steps = cluster?.Staleness is { } st ? Math.Round(st.MeanSteps, 3) : (double?)null,
                staleness_max_steps = cluster?.Staleness?.MaxSteps,
                staleness_mean_updates_behind = cluster?.Staleness is { } sb ? Math.Round(sb.MeanUpdatesBehind, 3) : (double?)null,
                @out = outPath,
            });
            return;
        }

        Console.WriteLine($"done: {s.Epochs} epoch(s), {s.Steps} steps, {s.Tokens:N0} tokens in {s.WallSeconds:F1}s ({s.TokensPerSecond:F0} train tokens/s over {s.TrainSeconds:F1}s of training, {s.Workers} worker(s))");
        Console.WriteLine($"  train ppl {s.TrainPerplexity:F2}   valid ppl {s.ValidPerplexity:F2}"
            + (s.TestPerplexity is { } tp ? $"   test ppl {tp:F2}" : string.Empty)
            + (optimalPpl is { } op ? $"   optimal ppl {op:F2} (the built-in corpus's true perplexity)" : string.Empty));
        var memory = cluster is null
            ? $"  peak memory {peak:F0} MB"
            : $"  peak memory {peak:F0} MB (coordinator {cluster.CoordinatorPeakRssMb:F0} MB, largest worker {cluster.WorkerPeakRssMb:F0} MB)";
        Console.WriteLine(memory + (outPath is null ? string.Empty : $"; model written to {outPath}"));
        if (s.WeightsSha256 is { } digest)
        {
            Console.WriteLine($"  weights sha256 {digest} (equal digests: equal weights, bit for bit)");
        }
        if (cluster is { Mode: "sync" } sync)
        {
            Console.WriteLine($"  mode sync ({(sync.PsPlacement == "workers" ? "sharded parameter server: a key range on each worker" : "one parameter server")}): every step's gradients summed in worker order, as one process would"
                + (sync.Compress == "none" ? ", uncompressed" : string.Empty));
        }

        if (cluster?.SyncEvery is { } h)
        {
            Console.WriteLine($"  mode {cluster.Mode}: up to {h} local steps per round, weights averaged after each (step timings below are per round)");
        }

        if (cluster is { MaxStaleness: { } bound, Staleness: { } seen })
        {
            Console.WriteLine($"  mode async, max staleness {bound}: gradients {seen.MeanSteps:F2} steps stale on average (max {seen.MaxSteps}), {seen.MeanUpdatesBehind:F2} other updates applied while one was computed");
        }

        if (cluster is { Compress: not "none" } compressed)
        {
            Console.WriteLine($"  --compress {compressed.Compress}: gradients{(compressed.Compress.StartsWith("topk", StringComparison.Ordinal) || compressed.Mode != "sync" ? string.Empty : " and weight updates")} on the wire compressed (bytes below are as sent)");
        }

        if (timings is not null)
        {
            Console.WriteLine("  " + StepTimingsLine(timings));
        }
    }

    /// <summary>One line: where a sync step's time goes and how many bytes it moves, averaged over <see cref="StepTimings.Steps"/> steps (after a failover, those since the resume).</summary>
    public static string StepTimingsLine(StepTimings t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return string.Create(CultureInfo.InvariantCulture,
            $"per step (mean of {t.Steps:N0}) {t.StepMs:F1} ms: barrier {t.BarrierMs:F1} (worker compute {t.ComputeMs:F1}, slowest {t.SlowestComputeMs:F1}; worker serialize {t.WorkerSerializeMs:F1}), "
            + $"update {t.UpdateMs:F1}, server serialize {t.ServerSerializeMs:F1}; server {t.MbDown:F2} MB down, {t.MbUp:F2} MB up; "
            + $"each worker {t.WorkerMbSent:F2} MB out, {t.WorkerMbReceived:F2} MB in");
    }

    /// <summary>The <c>step_timings</c> object of <c>--json</c> output (the summary and <c>status</c>): milliseconds and megabytes per server step.</summary>
    public static object StepTimingsJson(StepTimings t) => new
    {
        steps = t.Steps,
        step_ms = Math.Round(t.StepMs, 3),
        compute_ms = Math.Round(t.ComputeMs, 3),
        slowest_compute_ms = Math.Round(t.SlowestComputeMs, 3),
        worker_serialize_ms = Math.Round(t.WorkerSerializeMs, 3),
        barrier_ms = Math.Round(t.BarrierMs, 3),
        update_ms = Math.Round(t.UpdateMs, 3),
        server_serialize_ms = Math.Round(t.ServerSerializeMs, 3),
        mb_down = Math.Round(t.MbDown, 4),
        mb_up = Math.Round(t.MbUp, 4),
        worker_mb_sent = Math.Round(t.WorkerMbSent, 4),
        worker_mb_received = Math.Round(t.WorkerMbReceived, 4),
    };
}
