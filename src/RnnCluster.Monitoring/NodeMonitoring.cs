using Akka.Actor;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Monitoring.Metrics;

namespace RnnCluster.Monitoring;

/// <summary>
/// What a coordinator node runs beside its actors to make training visible: each job's metrics log
/// and plots under <see cref="LogDir"/> (<see cref="JobMetricsRecorder"/>). Worker-only nodes run none.
/// </summary>
public sealed class NodeMonitoring : IAsyncDisposable
{
    private readonly IActorRef _recorder;

    private NodeMonitoring(IActorRef recorder, string logDir)
    {
        _recorder = recorder;
        LogDir = logDir;
    }

    /// <summary>The directory holding one sub-directory of metrics and plots per job (full path).</summary>
    public string LogDir { get; }

    /// <summary>
    /// Starts monitoring on <paramref name="node"/>'s actor system, or returns null for a node that is
    /// not a coordinator. <paramref name="logDir"/> is created and probed first.
    /// </summary>
    /// <exception cref="ArgumentException">When <paramref name="logDir"/> cannot be written (naming <c>--log-dir</c>).</exception>
    public static NodeMonitoring? Start(ClusterNode node, string logDir)
    {
        if (!node.Options.IsCoordinator)
        {
            return null;
        }

        var full = Path.GetFullPath(logDir);
        Core.Checkpoints.OutputPath.CheckDirectory(full, "--log-dir");
        var recorder = node.System.ActorOf(JobMetricsRecorder.Props(full, (_, _) => { }), "job-metrics");
        return new NodeMonitoring(recorder, full);
    }

    public ValueTask DisposeAsync()
    {
        _recorder.Tell(PoisonPill.Instance);
        return ValueTask.CompletedTask;
    }
}
