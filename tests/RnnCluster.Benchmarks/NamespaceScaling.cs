using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The cluster beyond one machine, by simulation: a coordinator and 1–N workers, each a real
/// <c>rnncluster node</c> process in its own network namespace (<see cref="NamespaceNetwork"/>), with
/// every node's link rate-limited to 1 or 10 Gbit/s. PTB small with 20 streams per worker (weak
/// scaling, as the PyTorch DDP anchor), central against sharded parameter server. The measurements
/// feed <see cref="ScalingModel"/>, which projects efficiency to 8, 16 and 64 workers.
/// </summary>
public static class NamespaceScaling
{
    private const int StreamsPerWorker = 20;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public static object Run(string repoRoot, string corpus, int steps, int maxWorkers, double[] gigabits, string? plotPath)
    {
        var cli = SpeedComparison.CliPath(repoRoot);
        var runs = new List<ScalingModel.Run>();
        foreach (var rate in gigabits)
        {
            for (var workers = 1; workers <= maxWorkers; workers++)
            {
                foreach (var placement in new[] { "coordinator", "workers" })
                {
                    var job = $"--batch {StreamsPerWorker * workers} --max-steps {steps} --ps-placement {placement}";
                    var summary = RunOnce(cli, corpus, workers, rate, job);
                    var run = ScalingModel.Run.From(summary, workers, rate, placement);
                    runs.Add(run);
                    Console.Error.WriteLine($"{rate} Gbit/s, {workers} worker(s), {run.Placement}: {run.TokensPerSec:F0} tok/s, step {run.StepMs:F1} ms, "
                        + $"slowest compute {run.ComputeMs:F1} ms, busiest link {run.LinkMb:F2} MB/step");
                }
            }
        }

        if (maxWorkers < 2)
        {
            return new { steps, streams_per_worker = StreamsPerWorker, runs, model = "needs runs with 2 workers or more" };
        }

        var model = ScalingModel.Fit(runs, StreamsPerWorker * 20);
        if (plotPath is not null)
        {
            model.WritePlot(plotPath);
        }

        return new { steps, streams_per_worker = StreamsPerWorker, runs, model = model.Describe(), projection = model.Project([1, 2, 4, 8, 16, 64], [10, 25]) };
    }

    /// <summary>Fits and projects again from the runs of an earlier <c>netns</c> result (its JSON output), without running.</summary>
    public static object Refit(string resultPath, string? plotPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(resultPath));
        var root = document.RootElement.TryGetProperty("result", out var result) ? result : document.RootElement;
        var runs = root.GetProperty("runs").Deserialize<List<ScalingModel.Run>>()!;
        var model = ScalingModel.Fit(runs, StreamsPerWorker * 20);
        if (plotPath is not null)
        {
            model.WritePlot(plotPath);
        }

        return new { from = resultPath, runs = runs.Count, model = model.Describe(), projection = model.Project([1, 2, 4, 8, 16, 64], [10, 25]) };
    }

    /// <summary>
    /// The communication modes' table (<see cref="ModeComparison"/>) in namespaces: the same PTB job
    /// (batch 20 in all, so 20 / <paramref name="workers"/> streams each) on <paramref name="workers"/>
    /// workers whose links, and the coordinator's, are shaped to <paramref name="gigabits"/> Gbit/s;
    /// <paramref name="steps"/> optimizer steps per mode (a multiple of every H keeps rounds whole).
    /// </summary>
    public static object Modes(string repoRoot, string corpus, int steps, int workers, double gigabits, IReadOnlyList<string> modes)
    {
        var cli = SpeedComparison.CliPath(repoRoot);
        var runs = new List<object>();
        foreach (var mode in modes)
        {
            var (flags, syncEvery) = ModeComparison.JobFlags(mode);
            var summary = RunOnce(cli, corpus, workers, gigabits, $"--batch 20 --max-steps {steps} --decay-after 4 --decay 0.5 {flags}");
            runs.Add(ModeComparison.Entry(mode, summary, syncEvery));
        }

        return new { steps, workers, gigabits, runs };
    }

    /// <param name="job">Flags of the job beyond PTB small's model and optimizer: batch, steps, mode, placement.</param>
    private static JsonElement RunOnce(string cli, string corpus, int workers, double rate, string job)
    {
        using var network = NamespaceNetwork.Create(workers + 1, rate);
        var nodes = new List<Process>();
        try
        {
            var coordinator = NamespaceNetwork.Address(0);
            nodes.Add(StartNode(0, $"{cli} node --json --roles coordinator --host {coordinator} --port 4053 --threads 1"));
            for (var i = 1; i <= workers; i++)
            {
                nodes.Add(StartNode(i, $"{cli} node --json --roles worker --host {NamespaceNetwork.Address(i)} --port 0 --seeds {coordinator}:4053 --threads 1"));
            }

            var arguments = $"--corpus {corpus} --model lstm --layers 2 --hidden 200 --bptt 20 --lr 1 --clip 5 --workers {workers} --threads 1 {job}";
            using var submit = NamespaceNetwork.Start(0, "dotnet", $"{cli} submit --contact {coordinator}:4053 --watch --json {arguments}");
            var stderr = submit.StandardError.ReadToEndAsync();
            JsonElement? summary = null;
            while (submit.StandardOutput.ReadLine() is { } line)
            {
                if (line.StartsWith('{') && JsonDocument.Parse(line).RootElement is var e
                    && e.TryGetProperty("event", out var name) && name.GetString() == "summary")
                {
                    summary = e.Clone();
                }
            }

            submit.WaitForExit();
            return summary ?? throw new InvalidOperationException($"the job with {workers} worker(s) at {rate} Gbit/s failed ({job}): {stderr.Result}");
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Kill(entireProcessTree: true);
                node.WaitForExit();
                node.Dispose();
            }
        }
    }

    /// <summary>Starts a node in namespace <paramref name="index"/> and waits for its start line.</summary>
    private static Process StartNode(int index, string arguments)
    {
        var process = NamespaceNetwork.Start(index, "dotnet", arguments);
        _ = process.StandardError.ReadToEndAsync();
        var started = Stopwatch.StartNew();
        var line = process.StandardOutput.ReadLineAsync();
        while (true)
        {
            if (!line.Wait(StartTimeout - started.Elapsed) || line.Result is null)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"node {index} did not start within {StartTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
            }

            if (line.Result.Contains("\"event\":\"node\"", StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(); // keep the pipe drained
                return process;
            }

            line = process.StandardOutput.ReadLineAsync();
        }
    }
}
