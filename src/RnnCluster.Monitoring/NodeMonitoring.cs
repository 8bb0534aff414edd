using Akka.Actor;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Monitoring.Metrics;
using RnnCluster.Monitoring.Web;

namespace RnnCluster.Monitoring;

/// <summary>How a coordinator node shows its training: where metrics logs go and where HTTP is served.</summary>
/// <param name="LogDir">One sub-directory of metrics and plots per job (null: no metrics logs).</param>
/// <param name="HttpPort">The dashboard's port (0: a free one; -1: no HTTP server).</param>
/// <param name="AllowCancel">Whether the dashboard may cancel jobs (read-only by default).</param>
/// <param name="FreePortIfTaken">Take a free port when <paramref name="HttpPort"/> is in use (<c>local</c>) instead of failing.</param>
public sealed record MonitoringOptions(string? LogDir, int HttpPort, bool AllowCancel = false, bool FreePortIfTaken = false);

/// <summary>
/// What a coordinator node runs beside its actors to make training visible: each job's metrics log
/// and plots (<see cref="JobMetricsRecorder"/>), the same records in memory for the dashboard
/// (<see cref="JobMetricsStore"/>) and as Prometheus series (<see cref="PrometheusMetrics"/>), and the
/// HTTP server (<see cref="DashboardServer"/>). Worker-only nodes run none of it. Started in two parts:
/// <see cref="StartAsync"/> before the node (directory checked, port bound: a bad one fails the start in
/// one line), <see cref="Attach"/> once the node is up.
/// </summary>
public sealed class NodeMonitoring : IAsyncDisposable
{
    private static readonly PrometheusMetrics Prometheus = new(); // prometheus-net's registry is per process

    private readonly TaskCompletionSource<ActorSystem> _node = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly JobMetricsStore _store;
    private DashboardServer? _server;
    private IActorRef? _recorder;

    private NodeMonitoring(string? logDir)
    {
        LogDir = logDir;
        _store = new JobMetricsStore(logDir);
    }

    /// <summary>The directory holding one sub-directory of metrics and plots per job (full path; null: none).</summary>
    public string? LogDir { get; }

    /// <summary>The dashboard's address (null: no HTTP server).</summary>
    public Uri? Url => _server?.Url;

    /// <summary>
    /// Checks the log directory and binds the HTTP port for a coordinator node about to start with
    /// <paramref name="node"/>; null for a node that is not a coordinator, or when neither logs nor HTTP are wanted.
    /// </summary>
    /// <exception cref="ArgumentException">When the log directory cannot be written (naming <c>--log-dir</c>) or the HTTP port cannot be bound (naming <c>--http-port</c>).</exception>
    public static async Task<NodeMonitoring?> StartAsync(NodeOptions node, MonitoringOptions options)
    {
        if (!node.IsCoordinator || (options.LogDir is null && options.HttpPort < 0))
        {
            return null;
        }

        var logDir = options.LogDir is null ? null : Path.GetFullPath(options.LogDir);
        Core.Checkpoints.OutputPath.CheckDirectory(logDir, "--log-dir");
        var monitoring = new NodeMonitoring(logDir);
        if (options.HttpPort >= 0)
        {
            monitoring._server = await monitoring.StartServerAsync(node, options);
        }

        return monitoring;
    }

    /// <summary>Starts recording the jobs of the node now up, and lets the API answer from it.</summary>
    public void Attach(ClusterNode node)
    {
        _recorder = node.System.ActorOf(JobMetricsRecorder.Props(LogDir, (jobId, record) =>
        {
            _store.Add(jobId, record);
            Prometheus.Observe(jobId, record);
        }), "job-metrics");
        _node.TrySetResult(node.System);
    }

    private async Task<DashboardServer> StartServerAsync(NodeOptions node, MonitoringOptions options)
    {
        try
        {
            try
            {
                return await DashboardServer.StartAsync(_node.Task, _store, node.Host, node.AdvertisedHost, options.HttpPort, options.AllowCancel);
            }
            catch (IOException e) when (options.FreePortIfTaken && options.HttpPort != 0 && !ClusterAddresses.IsHostFault(e))
            {
                return await DashboardServer.StartAsync(_node.Task, _store, node.Host, node.AdvertisedHost, 0, options.AllowCancel);
            }
        }
        catch (Exception e) when (ClusterAddresses.IsHostFault(e))
        {
            throw new ArgumentException(ClusterAddresses.HostFaultReason(node.Host, e.Message), e);
        }
        catch (IOException e)
        {
            throw new ArgumentException($"--http-port {options.HttpPort}: cannot serve HTTP on {node.Host}:{options.HttpPort}: {e.Message} (give another port, 0 for a free one, or -1 for no dashboard)", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _node.TrySetCanceled();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _recorder?.Tell(PoisonPill.Instance);
    }
}
