using Akka.Actor;
using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Monitoring.Web;

/// <summary>
/// What the dashboard's API reads from the cluster, once the node's actor system is up: the supervisor's status (through this node's
/// supervisor desk, <c>/user/supervisor</c>, which forwards to the singleton) and each member's <see cref="NodeStats"/>, with CPU use
/// from two successive samples of a node's CPU time.
/// </summary>
internal sealed class ClusterView(Task<ActorSystem> node)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, (double CpuSeconds, DateTime At)> _cpuSamples = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The supervisor's status; throws <see cref="TimeoutException"/> when no supervisor answers (e.g. during a failover).</summary>
    public async Task<ClusterStatus> StatusAsync()
    {
        try
        {
            return await (await node).ActorSelection("/user/supervisor").Ask<ClusterStatus>(GetStatus.Instance, AskTimeout);
        }
        catch (AskTimeoutException)
        {
            throw new TimeoutException($"the job supervisor did not answer within {AskTimeout.TotalSeconds:F0} s (a coordinator may be taking over; retrying shortly)");
        }
    }

    public async Task<bool> CancelAsync(string jobId) =>
        (await (await node).ActorSelection("/user/supervisor").Ask<CancelResult>(new CancelJob(jobId), AskTimeout)).Cancelled;

    /// <summary>The cluster's members as this node sees them, each with its resources when it answered within a second.</summary>
    public async Task<object> MembersAsync()
    {
        var system = await node;
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members.ToList();
        var stats = await Task.WhenAll(members.Select(m => StatsAsync(m.Address)));
        return new
        {
            self = cluster.SelfAddress.ToString(),
            leader = state.Leader?.ToString(),
            members = members.Select((m, i) => new
            {
                address = m.Address.ToString(),
                roles = m.Roles.Order(StringComparer.Ordinal).ToArray(),
                status = m.Status.ToString(),
                reachable = !unreachable.Contains(m.Address),
                resident_mb = stats[i]?.ResidentMb is { } rss ? Math.Round(rss, 1) : (double?)null,
                peak_resident_mb = stats[i]?.PeakResidentMb is { } peak ? Math.Round(peak, 1) : (double?)null,
                cpu_percent = stats[i] is { } s ? CpuPercent(s) : null,
                cores = stats[i]?.Cores,
                uptime_seconds = stats[i]?.UptimeSeconds is { } up ? Math.Round(up, 1) : (double?)null,
            }).ToArray(),
        };
    }

    private async Task<NodeStats?> StatsAsync(Address address)
    {
        try
        {
            return await (await node).ActorSelection(new RootActorPath(address) / "user" / NodeStatsReporter.Name).Ask<NodeStats>(GetNodeStats.Instance, StatsTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>CPU use since the previous sample of the same node, in percent of all its cores (null on the first sample).</summary>
    private double? CpuPercent(NodeStats stats)
    {
        var now = DateTime.UtcNow;
        lock (_gate)
        {
            var had = _cpuSamples.TryGetValue(stats.Address, out var previous);
            _cpuSamples[stats.Address] = (stats.CpuSeconds, now);
            var wall = (now - previous.At).TotalSeconds;
            return had && wall > 0.05 && stats.Cores > 0
                ? Math.Round(Math.Clamp((stats.CpuSeconds - previous.CpuSeconds) / (wall * stats.Cores) * 100, 0, 100), 1)
                : null;
        }
    }
}
