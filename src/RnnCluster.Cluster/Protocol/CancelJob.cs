using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>Client → supervisor: cancel a queued or running job.</summary>
[MessagePackObject(true)]
public sealed record CancelJob(string JobId) : IClusterMessage;

/// <summary>Supervisor → client: whether the job was queued or running and is now cancelled.</summary>
[MessagePackObject(true)]
public sealed record CancelResult(string JobId, bool Cancelled) : IClusterMessage;
