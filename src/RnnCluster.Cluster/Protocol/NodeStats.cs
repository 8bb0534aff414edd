using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>Asks a node's <c>/user/node-stats</c> actor for its <see cref="NodeStats"/>.</summary>
public sealed record GetNodeStats : IClusterMessage
{
    public static readonly GetNodeStats Instance = new();
}

/// <summary>
/// One node process's resources: resident memory now and at its peak (MB of 2²⁰ bytes), CPU time used
/// since it started (seconds, all threads; two samples give its CPU use), its cores and uptime (seconds).
/// </summary>
[MessagePackObject(true)]
public sealed record NodeStats(string Address, double ResidentMb, double PeakResidentMb, double CpuSeconds, int Cores, double UptimeSeconds) : IClusterMessage;
