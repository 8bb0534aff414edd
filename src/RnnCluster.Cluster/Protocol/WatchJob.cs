using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>Client → supervisor: send me the job's <see cref="JobEvent"/>s until its final one.</summary>
[MessagePackObject(true)]
public sealed record WatchJob(string JobId) : IClusterMessage;
