using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Client → supervisor: run this job (a <c>JobDefinition</c> as its JSON job file), or, with
/// <see cref="ResumeFrom"/>, continue the job a checkpoint on the coordinator holds (a job's
/// <c>&lt;id&gt;.failed.rnnc</c> or <c>&lt;id&gt;.cancelled.rnnc</c>) from its step, with its definition.
/// </summary>
[MessagePackObject(true)]
public sealed record SubmitJob(string JobJson, string? ResumeFrom = null) : IClusterMessage;

/// <summary>Supervisor → client: the job was validated, its corpus loaded, and it is queued; <see cref="Task"/> is its --task (lm, classify, cbow).</summary>
[MessagePackObject(true)]
public sealed record JobAccepted(string JobId, string Task = "lm") : IClusterMessage;

/// <summary>Supervisor → client: the job was not accepted, with the reason (bad spec, missing corpus…).</summary>
[MessagePackObject(true)]
public sealed record JobRejected(string Reason) : IClusterMessage;
