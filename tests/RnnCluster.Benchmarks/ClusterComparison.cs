using System.Text.Json;

namespace RnnCluster.Benchmarks;

/// <summary>Cluster against single-process training on the same PTB job, run alternately in one session.</summary>
public static class ClusterComparison
{
    private const string Small = "--model lstm --layers 2 --hidden 200 --batch 20 --bptt 20 --lr 1 --clip 5";

    /// <summary>Tokens/s of <c>local --workers 2 --threads 1</c> against <c>train --threads 2</c>.</summary>
    public static object Scaling(string repoRoot, string corpus, int steps, int rounds, int workers)
    {
        var single = new List<double>();
        var placements = new[] { "coordinator", "workers" };
        var cluster = placements.ToDictionary(p => p, _ => new List<double>());
        var timings = new Dictionary<string, JsonElement>();
        for (var round = 0; round < rounds; round++)
        {
            var s = CliRunner.Summary(repoRoot, $"train --corpus {corpus} {Small} --max-steps {steps} --threads {workers}");
            single.Add(s.GetProperty("tokens_per_sec").GetDouble());
            foreach (var placement in placements)
            {
                var c = CliRunner.Summary(repoRoot, $"local --workers {workers} --threads 1 --ps-placement {placement} --corpus {corpus} {Small} --max-steps {steps}");
                cluster[placement].Add(c.GetProperty("tokens_per_sec").GetDouble());
                if (c.TryGetProperty("step_timings", out var t))
                {
                    timings[placement] = t.Clone();
                }
            }

            Console.Error.WriteLine($"round {round + 1}: train {single[^1]:F0} tok/s, local central {cluster["coordinator"][^1]:F0}, sharded {cluster["workers"][^1]:F0}");
        }

        var singleMedian = StepProfile.Median(single);
        return new
        {
            steps,
            workers,
            train_tokens_per_sec = single,
            train_median = Math.Round(singleMedian),
            local = placements.ToDictionary(p => p == "workers" ? "sharded" : "central", p => new
            {
                tokens_per_sec = cluster[p],
                median = Math.Round(StepProfile.Median(cluster[p])),
                cluster_over_single = Math.Round(StepProfile.Median(cluster[p]) / singleMedian, 3),
                step_timings = timings.GetValueOrDefault(p),
            }),
        };
    }

    /// <summary>
    /// The throughput cost of TLS: <c>local --workers 2 --threads 1</c> on PTB small with and without
    /// <c>--tls</c> (certificates made by <c>rnncluster certs</c> in a temporary directory), for both
    /// parameter-server placements, alternated; medians of tokens/s.
    /// </summary>
    public static object TlsCost(string repoRoot, string corpus, int steps, int rounds, int workers)
    {
        var dir = Directory.CreateTempSubdirectory("rnncluster-tls-").FullName;
        Shell.Run("dotnet", $"{SpeedComparison.CliPath(repoRoot)} certs --out {dir}");
        var runs = new Dictionary<string, List<double>>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var placement in new[] { "coordinator", "workers" })
            {
                foreach (var tls in new[] { false, true })
                {
                    var key = $"{(placement == "workers" ? "sharded" : "central")}{(tls ? "_tls" : "_plain")}";
                    var summary = CliRunner.Summary(repoRoot, $"local --workers {workers} --threads 1 --ps-placement {placement} --corpus {corpus} {Small} --max-steps {steps}{(tls ? $" --tls {dir}" : string.Empty)}");
                    (runs.TryGetValue(key, out var list) ? list : runs[key] = []).Add(summary.GetProperty("tokens_per_sec").GetDouble());
                    Console.Error.WriteLine($"round {round + 1}: {key} {runs[key][^1]:F0} tok/s");
                }
            }
        }

        Directory.Delete(dir, recursive: true);
        var medians = runs.ToDictionary(r => r.Key, r => Math.Round(StepProfile.Median(r.Value)));
        return new
        {
            steps,
            workers,
            tokens_per_sec = runs,
            medians,
            tls_over_plain = new
            {
                central = Math.Round(medians["central_tls"] / medians["central_plain"], 3),
                sharded = Math.Round(medians["sharded_tls"] / medians["sharded_plain"], 3),
            },
        };
    }

    /// <summary>
    /// Validation perplexity of single-process training and of sync clusters with 2 and 3 workers. The
    /// control, single-process training with 2 GEMM threads instead of 1, shows how far a mere change of
    /// float summation order moves the same run.
    /// </summary>
    public static object Equivalence(string repoRoot, string corpus, int steps, string extra)
    {
        var small = extra.Contains("--lr", StringComparison.Ordinal) ? Small.Replace("--lr 1 ", string.Empty, StringComparison.Ordinal) : Small;
        var job = $"--corpus {corpus} {small} --max-steps {steps} --seed 1 {extra}";
        var single = CliRunner.Summary(repoRoot, $"train {job} --threads 1").GetProperty("valid_ppl").GetDouble();
        var control = CliRunner.Summary(repoRoot, $"train {job} --threads 2").GetProperty("valid_ppl").GetDouble();
        var results = new Dictionary<string, double> { ["train"] = single };
        foreach (var workers in new[] { 2, 3 })
        {
            var ppl = CliRunner.Summary(repoRoot, $"local --workers {workers} --threads 1 {job}").GetProperty("valid_ppl").GetDouble();
            results[$"local_{workers}_workers"] = ppl;
            Console.Error.WriteLine($"{workers} workers: {ppl} vs train {single}");
        }

        return new
        {
            steps,
            extra,
            valid_ppl = results,
            max_relative_difference = results.Values.Max(v => Math.Abs(v - single) / single),
            control_train_2_threads = control,
            control_relative_difference = Math.Abs(control - single) / single,
        };
    }

    /// <summary>
    /// <c>--deterministic</c> on PTB: <c>train</c> with 1 and 2 threads and local clusters of 2 and 4
    /// workers, each writing its model; the weights must be equal bit for bit. Also the speed of
    /// <c>train --threads 2</c> with and without the flag (its cost).
    /// </summary>
    public static object Determinism(string repoRoot, string corpus, int steps)
    {
        var dir = Directory.CreateTempSubdirectory("rnncluster-determinism-").FullName;
        var job = $"--corpus {corpus} {Small} --max-steps {steps} --seed 1 --deterministic";
        var runs = new Dictionary<string, string>
        {
            ["train_1_thread"] = $"train {job} --threads 1",
            ["train_2_threads"] = $"train {job} --threads 2",
            ["local_2_workers"] = $"local --workers 2 --threads 1 {job}",
            ["local_4_workers"] = $"local --workers 4 --threads 1 {job}",
        };
        var ppl = new Dictionary<string, double>();
        var speed = new Dictionary<string, double>();
        float[]? reference = null;
        var identical = new Dictionary<string, bool>();
        foreach (var (name, arguments) in runs)
        {
            var path = Path.Combine(dir, name + ".rnnc");
            var summary = CliRunner.Summary(repoRoot, $"{arguments} --out {path}");
            ppl[name] = summary.GetProperty("valid_ppl").GetDouble();
            speed[name] = summary.GetProperty("tokens_per_sec").GetDouble();
            var weights = RnnCluster.Core.Training.ModelFile.Load(path).Weights;
            reference ??= weights;
            identical[name] = System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(reference.AsSpan()));
            Console.Error.WriteLine($"{name}: valid ppl {ppl[name]:R}, weights identical to train_1_thread: {identical[name]}");
        }

        var fast = CliRunner.Summary(repoRoot, $"train --corpus {corpus} {Small} --max-steps {steps} --seed 1 --threads 2");
        Directory.Delete(dir, recursive: true);
        return new
        {
            steps,
            valid_ppl = ppl,
            weights_bitwise_identical = identical,
            tokens_per_sec = speed,
            default_train_2_threads_tokens_per_sec = fast.GetProperty("tokens_per_sec").GetDouble(),
            default_train_2_threads_valid_ppl = fast.GetProperty("valid_ppl").GetDouble(),
        };
    }
}
