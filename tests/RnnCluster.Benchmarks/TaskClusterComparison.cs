using System.Diagnostics;
using System.Text.Json;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The course's other models on the cluster: the fortunes classifier (bag of words, defaults) and PTB
/// CBOW (defaults) trained by <c>train --threads 2</c> and by <c>local --workers 2 --threads 1</c>, both
/// <c>--deterministic</c> (sync mode): the results must be equal (the weights digest, the scores), and
/// the wall and training times say what the cluster costs for models whose steps take a millisecond.
/// </summary>
public static class TaskClusterComparison
{
    public static object Run(string repoRoot, string fortunesDirectory, string ptbDirectory, int cbowEpochs)
    {
        if (!File.Exists(Path.Combine(fortunesDirectory, "fortunes.train.txt")))
        {
            FortunesSplit.Run(fortunesDirectory);
        }

        var jobs = new (string Name, string Flags, string[] Scores)[]
        {
            ("classify fortunes bow", $"--task classify --corpus {fortunesDirectory}", ["valid_accuracy", "test_accuracy", "test_macro_f1"]),
            ($"cbow ptb {cbowEpochs} epoch(s)", $"--task cbow --corpus {Path.Combine(ptbDirectory, "ptb.train.txt")} --valid {Path.Combine(ptbDirectory, "ptb.valid.txt")} --epochs {cbowEpochs}", ["valid_loss", "words"]),
        };
        var results = new List<object>();
        foreach (var (name, flags, scores) in jobs)
        {
            var runs = new List<(string Command, JsonElement Summary, double Wall)>();
            foreach (var command in new[] { $"train {flags} --threads 2 --deterministic", $"local {flags} --workers 2 --threads 1 --deterministic" })
            {
                Console.Error.WriteLine($"rnncluster {command} …");
                var clock = Stopwatch.StartNew();
                var summary = CliRunner.Summary(repoRoot, command);
                runs.Add((command, summary, clock.Elapsed.TotalSeconds));
            }

            var digests = runs.Select(r => r.Summary.GetProperty("weights_sha256").GetString()).ToArray();
            results.Add(new
            {
                job = name,
                equal_weights = digests[0] == digests[1],
                runs = runs.Select(r => new
                {
                    command = r.Command,
                    wall_seconds = Math.Round(r.Wall, 2),
                    train_seconds = Math.Round(r.Summary.GetProperty("train_seconds").GetDouble(), 2),
                    steps = r.Summary.GetProperty("steps").GetInt64(),
                    step_ms = r.Summary.TryGetProperty("step_timings", out var t) && t.ValueKind == JsonValueKind.Object ? t.GetProperty("step_ms").GetDouble() : (double?)null,
                    compute_ms = r.Summary.TryGetProperty("step_timings", out var c) && c.ValueKind == JsonValueKind.Object ? c.GetProperty("slowest_compute_ms").GetDouble() : (double?)null,
                    weights_sha256 = r.Summary.GetProperty("weights_sha256").GetString(),
                    scores = scores.ToDictionary(s => s, s => r.Summary.GetProperty(s).GetDouble()),
                }).ToArray(),
            });
        }

        return new { date = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), results };
    }
}
