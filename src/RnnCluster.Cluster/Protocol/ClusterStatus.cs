using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// The cluster's members and every job the supervisor knows, newest last. <see cref="Notice"/> is set
/// when a coordinator answered for a supervisor that did not (while it moves to another coordinator):
/// then <see cref="Jobs"/> is empty and the notice says why.
/// </summary>
[MessagePackObject(true)]
public sealed record ClusterStatus(IReadOnlyList<MemberStatus> Members, IReadOnlyList<JobStatus> Jobs, string? Notice = null) : IClusterMessage;

/// <summary>One cluster member: address (akka.tcp://rnncluster@host:port), roles, status (Up, Leaving…).</summary>
[MessagePackObject(true)]
public sealed record MemberStatus(string Address, IReadOnlyList<string> Roles, string Status);

/// <summary>
/// One job. <see cref="State"/> is one of <see cref="JobStates"/>; <see cref="Mode"/> is "sync",
/// "local-sgd (H n)" or "async (S n)", followed by ", COMPRESSION" under <c>--compress</c>;
/// <see cref="Timings"/> the parameter server's averages per server step so far (a local-SGD round
/// spans <see cref="StepsPerServerStep"/> = H optimizer steps; null before the first). <see cref="Task"/>
/// is the job's --task: for classify and cbow its "perplexities" are exp of the mean loss per document
/// or centre word, and its tokens documents or centre words.
/// </summary>
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
    string Mode = "sync",
    StepTimings? Timings = null,
    int StepsPerServerStep = 1,
    string Task = "lm")
{
    /// <summary>
    /// Megabytes per optimizer step on the busiest link: the server node's, which carries the weights
    /// down and the gradients up one after the other, or a worker's (sharded: both directions at
    /// once, so the larger), whichever is more; null before the first step.
    /// </summary>
    [IgnoreMember]
    public double? BusiestLinkMbPerStep => Timings is { } t
        ? Math.Max(t.MbDown + t.MbUp, Math.Max(t.WorkerMbSent, t.WorkerMbReceived)) / StepsPerServerStep
        : null;
}

/// <summary>The job states reported in <see cref="JobStatus.State"/>.</summary>
public static class JobStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}
