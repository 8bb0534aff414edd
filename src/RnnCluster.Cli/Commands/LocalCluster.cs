using RnnCluster.Cluster.Hosting;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// The processes of <c>local</c>: one coordinator node and N worker nodes on 127.0.0.1, each on a
/// free port (the coordinator reports its port before the workers are started with it as their seed).
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly List<NodeProcess> _nodes = [];

    private LocalCluster()
    {
    }

    public NodeProcess Coordinator => _nodes[0];

    public string Contact => $"127.0.0.1:{Coordinator.Port}";

    /// <summary>Starts the nodes; <paramref name="onStarted"/> sees each one as it comes up.</summary>
    /// <param name="tlsDirectory">Certificates every node speaks TLS with (null: plain TCP).</param>
    public static async Task<LocalCluster> StartAsync(int workers, int threadsPerWorker, string? checkpointDir, Monitoring.MonitoringOptions monitoring, string? tlsDirectory,
        Action<NodeProcess> onStarted, CancellationToken cancel)
    {
        var cluster = new LocalCluster();
        try
        {
            var coordinatorArgs = new List<string>
            {
                "--roles", NodeOptions.CoordinatorRole, "--host", "127.0.0.1", "--port", "0", "--threads", "1",
                "--log-dir", monitoring.LogDir ?? "none", "--http-port", monitoring.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            if (monitoring.FreePortIfTaken)
            {
                coordinatorArgs.Add("--http-free-port-if-taken");
            }

            if (monitoring.AllowCancel)
            {
                coordinatorArgs.Add("--http-allow-cancel");
            }

            if (checkpointDir is not null)
            {
                coordinatorArgs.AddRange(["--checkpoint-dir", checkpointDir]);
            }

            string[] tls = tlsDirectory is null ? [] : ["--tls", tlsDirectory];
            coordinatorArgs.AddRange(tls);
            await cluster.StartNodeAsync(NodeOptions.CoordinatorRole, coordinatorArgs, onStarted, cancel);
            string[] workerArgs = ["--roles", NodeOptions.WorkerRole, "--host", "127.0.0.1", "--port", "0", "--seeds", cluster.Contact, "--threads", threadsPerWorker.ToString(System.Globalization.CultureInfo.InvariantCulture), .. tls];
            await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => cluster.StartNodeAsync(NodeOptions.WorkerRole, workerArgs, onStarted, cancel)));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the workers, then the coordinator (so the job's singletons go last).</summary>
    public async ValueTask DisposeAsync()
    {
        NodeProcess[] nodes;
        lock (_nodes)
        {
            nodes = [.. _nodes];
        }

        await Task.WhenAll(nodes.Skip(1).Select(n => n.StopAsync(StopGrace)));
        foreach (var node in nodes.Take(1))
        {
            await node.StopAsync(StopGrace);
        }

        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }
    }

    private async Task StartNodeAsync(string role, IEnumerable<string> args, Action<NodeProcess> onStarted, CancellationToken cancel)
    {
        var node = await NodeProcess.StartAsync(role, args, StartTimeout, cancel);
        lock (_nodes)
        {
            _nodes.Add(node);
        }

        onStarted(node);
    }
}
