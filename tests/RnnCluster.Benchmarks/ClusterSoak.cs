using System.Diagnostics;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Training;

namespace RnnCluster.Benchmarks;

/// <summary>
/// A long PTB job under worker churn: a coordinator node and <c>workers</c> worker nodes (processes, one
/// compute thread each, fixed ports), one PTB small job of <c>epochs</c> epochs; every
/// <c>killEvery</c> minutes one worker (in turn) is killed with SIGKILL and started again at once on
/// the same address, so it comes back as a new incarnation of that address. Reports whether the job
/// completed, each epoch's tokens expected against accounted, how long each restart took until the job
/// trained on all workers again, and the resident memory of the coordinator and of every worker slot,
/// sampled every 10 s (a restarted worker's curve starts again from its new process).
/// </summary>
public static class ClusterSoak
{
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(30);

    public static async Task<object> Run(string repoRoot, string ptb, int epochs, double killEveryMinutes, int workers)
    {
        var coordinatorPort = NodeProcesses.FreePort();
        var contact = $"127.0.0.1:{coordinatorPort}";
        using var coordinator = NodeProcesses.Start(repoRoot, $"--roles coordinator --port {coordinatorPort} --threads 1 --http-port -1");
        await coordinator.StandardOutput.ReadLineAsync();
        var ports = Enumerable.Range(0, workers).Select(_ => NodeProcesses.FreePort()).ToArray();
        var nodes = ports.Select(p => NodeProcesses.Start(repoRoot, $"--roles worker --port {p} --threads 1 --seeds {contact}")).ToArray();
        foreach (var node in nodes)
        {
            await node.StandardOutput.ReadLineAsync();
        }

        var clock = Stopwatch.StartNew();
        var memory = new List<object>();
        var restarts = new List<object>();
        try
        {
            await using var client = await ClusterClientConnection.ConnectAsync(contact, Ask);
            var job = new JobDefinition { Corpus = ptb, Workers = workers }.WithModel(m => m with { Hidden = 200 })
                .WithTraining(t => t with { Epochs = epochs, Bptt = 20 });
            var submitted = await client.SubmitAsync(job, Ask);
            var id = submitted.Accepted ? submitted.JobId! : throw new InvalidOperationException($"rejected: {submitted.Reason}");
            Console.Error.WriteLine($"soak: {id}, {epochs} PTB epochs on {workers} workers; a worker killed and restarted every {killEveryMinutes} min");

            var events = new List<JobEvent>();
            var watching = Task.Run(async () =>
            {
                await foreach (var e in client.WatchAsync(id, CancellationToken.None))
                {
                    lock (events)
                    {
                        events.Add(e);
                    }

                    if (e is JobEpoch epoch)
                    {
                        Console.Error.WriteLine($"soak: {clock.Elapsed.TotalMinutes:F1} min: epoch {epoch.Report.Epoch}, tokens {epoch.Report.Tokens} of {epoch.TokensExpected}, valid ppl {epoch.Report.ValidPerplexity:F2}");
                    }

                    if (e.IsFinal)
                    {
                        break;
                    }
                }
            });

            var nextKill = TimeSpan.FromMinutes(killEveryMinutes);
            var nextSample = TimeSpan.Zero;
            var victim = 0;
            while (!watching.IsCompleted)
            {
                if (clock.Elapsed >= nextSample)
                {
                    memory.Add(new
                    {
                        minute = Math.Round(clock.Elapsed.TotalMinutes, 2),
                        coordinator_mb = Mb(coordinator),
                        workers_mb = nodes.Select(Mb).ToArray(),
                    });
                    nextSample += TimeSpan.FromSeconds(10);
                }

                if (clock.Elapsed >= nextKill)
                {
                    nextKill += TimeSpan.FromMinutes(killEveryMinutes);
                    var slot = victim++ % workers;
                    var stepAtKill = LastStep(events);
                    nodes[slot].Kill();
                    await nodes[slot].WaitForExitAsync();
                    nodes[slot].Dispose();
                    var killedAt = clock.Elapsed;
                    nodes[slot] = NodeProcesses.Start(repoRoot, $"--roles worker --port {ports[slot]} --threads 1 --seeds {contact}");
                    await nodes[slot].StandardOutput.ReadLineAsync();
                    var all = await Until(() => AllWorkersAfter(events, stepAtKill, workers), TimeSpan.FromMinutes(3));
                    restarts.Add(new
                    {
                        minute = Math.Round(killedAt.TotalMinutes, 2),
                        worker = slot,
                        step = stepAtKill,
                        seconds_until_all_workers_train = all ? Math.Round((clock.Elapsed - killedAt).TotalSeconds, 1) : (double?)null,
                    });
                    Console.Error.WriteLine($"soak: {killedAt.TotalMinutes:F1} min: worker {slot} killed at step {stepAtKill} and restarted; all {workers} training again: {all} after {(clock.Elapsed - killedAt).TotalSeconds:F1} s");
                }

                await Task.Delay(500);
            }

            await watching;
            List<JobEvent> seen;
            lock (events)
            {
                seen = [.. events];
            }

            var epochsSeen = seen.OfType<JobEpoch>().ToList();
            var done = seen.LastOrDefault() as JobCompleted;
            return new
            {
                minutes = Math.Round(clock.Elapsed.TotalMinutes, 1),
                workers,
                kill_every_minutes = killEveryMinutes,
                final = seen.LastOrDefault()?.GetType().Name,
                steps = done?.Summary.Steps,
                valid_ppl = done?.Summary.ValidPerplexity,
                epochs = epochsSeen.Select(e => new { epoch = e.Report.Epoch, tokens_expected = e.TokensExpected, tokens_accounted = e.Report.Tokens, valid_ppl = Math.Round(e.Report.ValidPerplexity, 2) }).ToArray(),
                every_token_accounted = epochsSeen.Count == epochs && epochsSeen.All(e => e.TokensExpected == e.Report.Tokens),
                restarts,
                memory_mb = memory,
            };
        }
        finally
        {
            foreach (var node in nodes.Append(coordinator))
            {
                try
                {
                    node.StandardInput.Close();
                    if (!node.WaitForExit(20_000))
                    {
                        node.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
    }

    private static long LastStep(List<JobEvent> events)
    {
        lock (events)
        {
            return events.OfType<JobProgress>().Select(p => p.Report.Step).DefaultIfEmpty(0).Max();
        }
    }

    /// <summary>A progress report after <paramref name="step"/> has come from a step that all workers trained.</summary>
    private static bool AllWorkersAfter(List<JobEvent> events, long step, int workers)
    {
        lock (events)
        {
            return events.OfType<JobProgress>().Any(p => p.Report.Step > step + 1 && p.Report.Workers == workers) || events.Any(e => e.IsFinal);
        }
    }

    private static async Task<bool> Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    /// <summary>Resident MB, rounded; null while the process is gone (a worker being restarted).</summary>
    private static double? Mb(Process process) => NodeProcesses.ResidentMb(process.Id) is var mb && double.IsNaN(mb) ? null : Math.Round(mb);
}
