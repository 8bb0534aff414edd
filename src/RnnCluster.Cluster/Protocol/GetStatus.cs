using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>Client → supervisor: reply with a <see cref="ClusterStatus"/>.</summary>
[MessagePackObject(true)]
public sealed record GetStatus : IClusterMessage
{
    public static readonly GetStatus Instance = new();
}
