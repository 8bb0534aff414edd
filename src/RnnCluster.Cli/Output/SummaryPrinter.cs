using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

public static class SummaryPrinter
{
    /// <summary>The final summary: a JSON event with <c>--json</c>, else a short table of lines.</summary>
    public static void Print(TrainingSummary s, bool json, double? optimalPpl, string? outPath)
    {
        var peak = ProcessStats.PeakRssMb();
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
                @out = outPath,
            });
            return;
        }

        Console.WriteLine($"done: {s.Epochs} epoch(s), {s.Steps} steps, {s.Tokens:N0} tokens in {s.WallSeconds:F1}s ({s.TokensPerSecond:F0} train tokens/s, {s.Workers} worker(s))");
        Console.WriteLine($"  train ppl {s.TrainPerplexity:F2}   valid ppl {s.ValidPerplexity:F2}"
            + (s.TestPerplexity is { } tp ? $"   test ppl {tp:F2}" : string.Empty)
            + (optimalPpl is { } op ? $"   optimal ppl {op:F2} (the built-in corpus's true perplexity)" : string.Empty));
        Console.WriteLine($"  peak memory {peak:F0} MB" + (outPath is null ? string.Empty : $"; model written to {outPath}"));
    }
}
