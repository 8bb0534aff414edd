using Akka.Configuration;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The rnncluster.* HOCON values (cluster-config/transfer.conf) the actors use, and the node's compute
/// threads (a worker runs its stream groups in parallel on them).
/// </summary>
public sealed record RunSettings(
    int ChunkSize,
    int Window,
    TimeSpan StepTimeout,
    TimeSpan WorkerWaitTimeout,
    string? CheckpointDir,
    int ComputeThreads = 1)
{
    public static RunSettings From(Config config, string? checkpointDir = null) => new(
        config.GetInt("rnncluster.transfer.chunk-size", 1 << 20),
        config.GetInt("rnncluster.transfer.window", 2),
        config.GetTimeSpan("rnncluster.step-timeout", TimeSpan.FromSeconds(30)),
        config.GetTimeSpan("rnncluster.worker-wait-timeout", TimeSpan.FromSeconds(120)),
        checkpointDir);
}
