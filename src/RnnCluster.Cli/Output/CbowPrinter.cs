using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>The end of a CBOW run (<c>train --task cbow</c> or a cluster job): a <c>summary</c> JSON event with <c>--json</c>, else lines.</summary>
public static class CbowPrinter
{
    /// <param name="words">Corpus positions the steps walked, subsampled words included.</param>
    /// <param name="negatives">K of the job (0: the full softmax, whose loss is a perplexity's log; negative: not known here).</param>
    /// <param name="cluster">The cluster job's end (workers, memory, step timings); null for `train`.</param>
    public static void Print(TrainingSummary s, long words, int negatives, string? outPath, bool json, JobCompleted? cluster = null)
    {
        var wordsPerSecond = words / Math.Max(1e-9, s.TrainSeconds);
        var validLoss = Math.Log(s.ValidPerplexity);
        var peak = cluster is null ? PeakMemory.ResidentMb() : Math.Max(cluster.CoordinatorPeakRssMb, cluster.WorkerPeakRssMb);
        if (json)
        {
            JsonEvents.Write("summary", new
            {
                task = "cbow",
                words_per_sec = Math.Round(wordsPerSecond),
                words,
                centre_words = s.Tokens,
                train_loss = Math.Round(Math.Log(s.TrainPerplexity), 5),
                valid_loss = Math.Round(validLoss, 5),
                steps = s.Steps,
                epochs = s.Epochs,
                wall_seconds = Math.Round(s.WallSeconds, 2),
                train_seconds = Math.Round(s.TrainSeconds, 2),
                workers = s.Workers,
                peak_rss_mb = peak,
                step_timings = cluster?.StepTimings is { } t ? SummaryPrinter.StepTimingsJson(t) : null,
                ps_placement = cluster?.PsPlacement,
                mode = cluster?.Mode,
                weights_sha256 = s.WeightsSha256,
                @out = outPath,
            });
            return;
        }

        Console.WriteLine($"done: {s.Epochs} epoch(s), {s.Steps} steps, {words:N0} words walked ({s.Tokens:N0} centre words trained) in {s.WallSeconds:F1}s ({wordsPerSecond:F0} words/s over {s.TrainSeconds:F1}s of training"
            + (cluster is null ? ")" : $", {s.Workers} worker(s))"));
        Console.WriteLine($"  valid loss {validLoss:F4} per centre word" + (negatives == 0 ? $" (perplexity {s.ValidPerplexity:F2})" : negatives > 0 ? $" ({negatives} negative samples)" : string.Empty));
        if (outPath is not null)
        {
            Console.WriteLine($"  vectors: {outPath} (word2vec text format; rnncluster neighbors {outPath} WORD)");
        }

        ClusterLines(s, cluster, peak);
    }

    /// <summary>A cluster job's weights digest, mode and step timings, as a language model's summary shows them (nothing for `train`).</summary>
    public static void ClusterLines(TrainingSummary s, JobCompleted? cluster, double peak)
    {
        if (cluster is null)
        {
            return;
        }

        Console.WriteLine($"  peak memory {peak:F0} MB (coordinator {cluster.CoordinatorPeakRssMb:F0} MB, largest worker {cluster.WorkerPeakRssMb:F0} MB)");
        if (s.WeightsSha256 is { } digest)
        {
            Console.WriteLine($"  weights sha256 {digest} (equal digests: equal weights, bit for bit)");
        }

        Console.WriteLine("  mode sync (one parameter server): every step's gradients summed in worker order, as one process would");
        if (cluster.StepTimings is { } timings)
        {
            Console.WriteLine("  " + SummaryPrinter.StepTimingsLine(timings));
        }
    }
}
