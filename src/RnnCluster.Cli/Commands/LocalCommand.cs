using System.CommandLine;
using RnnCluster.Cli.Output;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// <c>rnncluster local</c>: a coordinator process and N worker processes on 127.0.0.1, one job
/// submitted to them and followed to the end, then every process shut down (also on Ctrl-C).
/// </summary>
public static class LocalCommand
{
    public const int DefaultWorkers = 2;

    /// <summary>Worker processes per core `local` starts at most: each is a whole process with its own copy of the weights.</summary>
    public const int MaxWorkersPerCore = 4;

    /// <summary>The most worker processes `local` starts on this machine (at least 8).</summary>
    public static int MaxWorkers => Math.Max(8, MaxWorkersPerCore * Environment.ProcessorCount);

    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var options = new JobOptions();
        var command = new Command(
            "local",
            $"Start a coordinator and --workers worker processes (default {DefaultWorkers}) on 127.0.0.1, run one job on them, print the result and stop them. "
            + "With no --corpus and no --job it trains on the built-in corpus with the same smaller defaults as `train` (see --corpus).");
        options.AddTo(command);
        var monitoring = new MonitoringFlags();
        monitoring.AddTo(command);
        var tls = new Option<string?>("--tls")
        {
            Description = $"directory of certificates (rnncluster certs): every node and the client speak TLS with mutual authentication (from ${Cluster.Security.ClusterTls.EnvironmentVariable} when set)",
        };
        command.Options.Add(tls);
        command.SetAction((result, cancel) => CliError.Guard(() =>
        {
            var job = ForLocalCluster(options.BindWithBuiltinDefaults(result, checkpointsNeedDir: true, forCluster: true));
            var monitoringOptions = monitoring.Bind(result, freePortIfTaken: true);
            var logDir = monitoringOptions.LogDir is { } dir ? Path.GetFullPath(dir) : null;
            var clientTls = Cluster.Security.ClusterTls.Load(result.GetValue(tls), client: true);
            _ = Cluster.Security.ClusterTls.Load(clientTls?.Directory, client: false); // the nodes' certificate too, before any process starts
            return RunAsync(job, monitoringOptions with { LogDir = logDir }, clientTls, result.GetValue(options.Json), cancel);
        }));
        return command;
    }

    /// <summary>The job as the coordinator must see it: a worker count, and paths absolute (its working directory is ours, but be explicit).</summary>
    /// <exception cref="ArgumentException">When --workers asks for more processes than <see cref="MaxWorkers"/> (what only `train` does was refused by the binding).</exception>
    private static JobDefinition ForLocalCluster(JobDefinition job)
    {
        if (job.Workers > MaxWorkers)
        {
            throw new ArgumentException($"--workers {job.Workers}: `local` starts one process per worker, at most {MaxWorkers} on this machine's {Environment.ProcessorCount} core(s); for more, start nodes with `rnncluster node` on several machines");
        }

        return job with
        {
            Workers = job.Workers > 0 ? job.Workers : DefaultWorkers,
            Corpus = FullPath(job.Corpus),
            Valid = FullPath(job.Valid),
            Test = FullPath(job.Test),
            Out = FullPath(job.Out),
            CheckpointDir = FullPath(job.CheckpointDir),
        };
    }

    private static string? FullPath(string? path) => path is null ? null : Path.GetFullPath(path);

    private static async Task<int> RunAsync(JobDefinition job, Monitoring.MonitoringOptions monitoring, Cluster.Security.ClusterTls? tls, bool json, CancellationToken outer)
    {
        using var signals = new TerminationSignals(outer);
        var cancel = signals.Token;
        // The coordinator would reject it too, but only after every process has started.
        JobDatasets.CheckInputPaths(job);
        job.CheckOutputPaths();
        Core.Checkpoints.OutputPath.CheckDirectory(monitoring.LogDir, "--log-dir");

        GemmFallback.Warn(); // the worker processes load the same libraries; their standard error is not shown
        var threadsPerWorker = job.Training.Threads > 0 ? job.Training.Threads : Math.Max(1, Environment.ProcessorCount / job.Workers);
        if (!json)
        {
            Console.WriteLine($"starting a coordinator and {job.Workers} worker process(es) on 127.0.0.1 ({threadsPerWorker} GEMM thread(s) each; "
                + (tls is null ? "plain TCP" : $"TLS with the certificates of {tls.Directory}") + "); "
                + (job.Task != "lm" ? $"--task {job.Task}: one parameter server on the coordinator, sync mode" : job.PsPlacement switch
                {
                    "workers" => "parameter server sharded over the workers (one key range each)",
                    "coordinator" => "one parameter server on the coordinator",
                    _ => $"parameter server: auto (sharded over the workers for a sync SGD model of {JobDefinition.AutoShardedMinParameters:N0} parameters or more, else on the coordinator)",
                }));
        }

        await using var cluster = await LocalCluster.StartAsync(job.Workers, threadsPerWorker, job.CheckpointDir, monitoring, tls?.Directory,
            node => new NodeStarted(node.Role, node.Pid, node.Port, Dashboard: node.Dashboard).Print(json), cancel);

        // A coordinator that dies takes the job with it: stop following instead of waiting forever.
        using var coordinatorGone = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // The cluster is disposed after this source (declared later), so its exit may land after Dispose.
        _ = cluster.Coordinator.Exited.ContinueWith(_ =>
        {
            try
            {
                coordinatorGone.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }, TaskScheduler.Default);
        try
        {
            await using var client = await ClusterClientConnection.ConnectAsync(cluster.Contact, ClientTimeout, coordinatorGone.Token, tls);
            var submitted = await client.SubmitAsync(job, ClientTimeout);
            if (!submitted.Accepted || submitted.JobId is not { } jobId)
            {
                throw new CliError($"job rejected: {submitted.Reason}");
            }

            if (!json && (monitoring.LogDir is not null || cluster.Coordinator.Dashboard is not null))
            {
                Console.WriteLine(string.Join("; ", new[]
                {
                    monitoring.LogDir is { } logDir ? $"metrics and plots: {Path.Combine(logDir, jobId)}" : null,
                    cluster.Coordinator.Dashboard is { } dashboard ? $"dashboard: {dashboard}jobs/{jobId}" : null,
                }.OfType<string>()));
            }

            return new JobEventView(json, job.Task).Follow(jobId, client.WatchAsync(jobId, coordinatorGone.Token), coordinatorGone.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            var coordinator = cluster.Coordinator;
            var how = coordinator.ExitCode is { } code ? (code > 128 ? $"was killed (signal {code - 128})" : $"exited with code {code}") : "exited";
            throw new CliError($"the coordinator process (pid {coordinator.Pid}) {how} before the job finished; its last log line: {coordinator.LastLine}");
        }
    }
}
