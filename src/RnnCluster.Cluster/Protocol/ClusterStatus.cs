using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>The cluster's members and every job the supervisor knows, newest last.</summary>
[MessagePackObject(true)]
public sealed record ClusterStatus(IReadOnlyList<MemberStatus> Members, IReadOnlyList<JobStatus> Jobs) : IClusterMessage;

/// <summary>One cluster member: address (akka.tcp://rnncluster@host:port), roles, status (Up, Leaving…).</summary>
[MessagePackObject(true)]
public sealed record MemberStatus(string Address, IReadOnlyList<string> Roles, string Status);

/// <summary>One job. <see cref="State"/> is one of <see cref="JobStates"/>; <see cref="Mode"/> is "sync", "local-sgd (H n)" or "async (S n)", followed by ", COMPRESSION" under <c>--compress</c>.</summary>
[MessagePackObject(true)]
public sealed record JobStatus(
    string Id,
    string State,
    int Epoch,
    long Step,
    double TokensPerSec,
    double TrainPpl,
    double ValidPpl,
    int Workers,
    string? Reason,
    string Mode = "sync");

/// <summary>The job states reported in <see cref="JobStatus.State"/>.</summary>
public static class JobStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}
