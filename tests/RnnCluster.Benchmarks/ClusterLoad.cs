using System.Diagnostics;
using System.Text.Json;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Training;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The cluster under client load: a coordinator and 2 worker processes; one PTB job (200 steps) training and
/// <c>jobs − 1</c> small jobs queued behind it, all submitted at once; <c>pollers</c> clients asking
/// for the status 25 times a second each and <c>watchers</c> clients watching the first jobs, for
/// <c>seconds</c>. Then every job still queued or running is cancelled. Reports the status latency
/// (p50, p99, max), whether every job was listed every time and ended in the state it should, whether
/// each watcher saw its job's events in order (steps never going back, one final event, last), and the
/// coordinator's resident memory at the start and the end.
/// </summary>
public static class ClusterLoad
{
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(30);

    public static async Task<object> Run(string repoRoot, string ptb, int seconds, int jobs, int pollers, int watchers)
    {
        using var coordinator = NodeProcesses.Start(repoRoot, "--roles coordinator --port 0 --threads 1 --http-port -1");
        var port = JsonDocument.Parse(await coordinator.StandardOutput.ReadLineAsync() ?? "{}").RootElement.GetProperty("port").GetInt32();
        var contact = $"127.0.0.1:{port}";
        using var worker1 = NodeProcesses.Start(repoRoot, $"--roles worker --port 0 --threads 1 --seeds {contact}");
        using var worker2 = NodeProcesses.Start(repoRoot, $"--roles worker --port 0 --threads 1 --seeds {contact}");
        await worker1.StandardOutput.ReadLineAsync();
        await worker2.StandardOutput.ReadLineAsync();
        var rssStart = NodeProcesses.ResidentMb(coordinator.Id);
        try
        {
            await using var submitter = await ClusterClientConnection.ConnectAsync(contact, Ask);
            var ids = new List<string>();
            var training = new JobDefinition { Corpus = ptb, Workers = 2 }.WithModel(m => m with { Hidden = 200 }).WithTraining(t => t with { Epochs = 1, Bptt = 20, MaxSteps = 200 });
            var small = JobDefinition.BuiltinCorpusDefaults.WithTraining(t => t with { MaxSteps = 40 }) with { Workers = 2 };
            for (var i = 0; i < jobs; i++)
            {
                var submitted = await submitter.SubmitAsync(i == 0 ? training : small, Ask);
                ids.Add(submitted.Accepted ? submitted.JobId! : throw new InvalidOperationException($"job {i} rejected: {submitted.Reason}"));
            }

            Console.Error.WriteLine($"submitted {ids.Count} jobs; {pollers} pollers at 25/s and {watchers} watchers for {seconds} s");
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            var latencies = new List<double>[pollers];
            var missing = 0;
            var pollTasks = Enumerable.Range(0, pollers).Select(async p =>
            {
                latencies[p] = [];
                await using var client = await ClusterClientConnection.ConnectAsync(contact, Ask);
                var clock = Stopwatch.StartNew();
                var next = TimeSpan.Zero;
                while (!stop.IsCancellationRequested)
                {
                    var asked = Stopwatch.GetTimestamp();
                    var status = await client.GetStatusAsync(Ask);
                    latencies[p].Add(Stopwatch.GetElapsedTime(asked).TotalMilliseconds);
                    if (ids.Any(id => status.Jobs.All(j => j.Id != id)))
                    {
                        Interlocked.Increment(ref missing);
                    }

                    next += TimeSpan.FromMilliseconds(40);
                    var wait = next - clock.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, CancellationToken.None);
                    }
                }
            }).ToList();
            var watchTasks = ids.Take(watchers).Select(async id =>
            {
                await using var client = await ClusterClientConnection.ConnectAsync(contact, Ask);
                var events = new List<JobEvent>();
                try
                {
                    await foreach (var e in client.WatchAsync(id, CancellationToken.None))
                    {
                        events.Add(e);
                        if (e is JobCompleted or JobFailed or JobCancelled)
                        {
                            break;
                        }
                    }
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                {
                }

                return (Id: id, Events: events);
            }).ToList();
            var rssSamples = new List<double>();
            while (!stop.IsCancellationRequested)
            {
                rssSamples.Add(NodeProcesses.ResidentMb(coordinator.Id));
                await Task.Delay(1000, CancellationToken.None);
            }

            await Task.WhenAll(pollTasks);
            var final = await submitter.GetStatusAsync(Ask);
            foreach (var job in final.Jobs.Where(j => j.State is JobStates.Queued or JobStates.Running))
            {
                await submitter.CancelAsync(job.Id, Ask);
            }

            var watched = await Task.WhenAll(watchTasks).WaitAsync(TimeSpan.FromSeconds(120));
            var ended = await submitter.GetStatusAsync(Ask);
            var all = latencies.SelectMany(l => l).Order().ToArray();
            var ordered = watched.Count(w => InOrder(w.Events));
            return new
            {
                seconds,
                jobs,
                pollers,
                watchers,
                status_requests = all.Length,
                status_ms = new { p50 = Math.Round(Percentile(all, 0.5), 1), p99 = Math.Round(Percentile(all, 0.99), 1), max = Math.Round(all[^1], 1) },
                status_missing_a_job = missing,
                states_at_end = ended.Jobs.GroupBy(j => j.State).ToDictionary(g => g.Key, g => g.Count()),
                jobs_listed_at_end = ended.Jobs.Count(j => ids.Contains(j.Id)),
                watchers_in_order = ordered,
                watched_events = watched.Sum(w => w.Events.Count),
                coordinator_rss_mb = new { start = Math.Round(rssStart), peak = Math.Round(rssSamples.Max()), end = Math.Round(NodeProcesses.ResidentMb(coordinator.Id)) },
                coordinator_rss_curve_mb = rssSamples.Select(r => Math.Round(r)).ToArray(),
            };
        }
        finally
        {
            foreach (var node in new[] { worker1, worker2, coordinator })
            {
                node.StandardInput.Close();
                if (!node.WaitForExit(20_000))
                {
                    node.Kill(entireProcessTree: true);
                }
            }
        }
    }

    /// <summary>Steps never go back and exactly one final event comes, last.</summary>
    private static bool InOrder(List<JobEvent> events)
    {
        var step = -1L;
        foreach (var e in events)
        {
            if (e is JobProgress p)
            {
                if (p.Report.Step < step)
                {
                    return false;
                }

                step = p.Report.Step;
            }
        }

        return events.Count(e => e is JobCompleted or JobFailed or JobCancelled) == 1 && events[^1] is JobCompleted or JobFailed or JobCancelled;
    }

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}
