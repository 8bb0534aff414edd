using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>A latency probe: any worker answers with <see cref="Pong"/> carrying the same ticks.</summary>
[MessagePackObject(true)]
public sealed record Ping(long Ticks) : IClusterMessage;

[MessagePackObject(true)]
public sealed record Pong(long Ticks) : IClusterMessage;

/// <summary>A raw tensor, used to measure transport throughput.</summary>
[MessagePackObject(true)]
public sealed record TensorBlock(long Id, float[] Values) : IClusterMessage;
