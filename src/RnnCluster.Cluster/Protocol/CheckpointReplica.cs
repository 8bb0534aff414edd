using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Coordinator → every other coordinator's <see cref="Actors.CheckpointReplicator"/>: the whole file of a
/// running job's latest checkpoint (<c>&lt;job-id&gt;.rnnc</c>, tens of MB for PTB small: it travels
/// cut into chunks), so a coordinator on another host can resume the job without a shared file system.
/// <see cref="Step"/> is the training step the file holds (a replica never replaces a later one).
/// </summary>
[MessagePackObject(true)]
public sealed record CheckpointReplica(string JobId, long Step, byte[] Bytes) : IClusterMessage;

/// <summary>
/// Job supervisor → every coordinator's <see cref="Actors.CheckpointReplicator"/>: a job was accepted
/// (<see cref="State"/> queued: its number is taken, so ids stay unique when the supervisor moves to a
/// coordinator without a checkpoint directory) or ended (completed, failed, cancelled: its replica is
/// renamed <c>&lt;job-id&gt;.&lt;state&gt;.rnnc</c> so it is never resumed). An ended job carries its
/// final status (<see cref="Final"/>), which a supervisor that later starts on another coordinator lists.
/// An accepted job carries its definition (<see cref="JobJson"/>, and the checkpoint a <c>submit
/// --resume</c> named, <see cref="ResumeFrom"/>), which the other coordinators keep as
/// <c>replicas/&lt;job-id&gt;.json</c>: a job the supervisor's coordinator took with it before its first
/// checkpoint is queued again where the supervisor moves.
/// </summary>
[MessagePackObject(true)]
public sealed record JobStateChanged(string JobId, string State, JobStatus? Final = null, string? JobJson = null, string? ResumeFrom = null) : IClusterMessage;
