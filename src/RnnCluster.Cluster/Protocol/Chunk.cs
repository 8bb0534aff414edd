using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// One piece of a large serialized message (<see cref="Manifest"/> names its type). Pieces are sent
/// under a window of unacknowledged chunks so heartbeats on the same connection never wait behind a
/// whole tensor; the receiver reassembles by (sender, transfer id, index). <see cref="Data"/> is a
/// slice of the sender's one serialized copy of the message.
/// </summary>
[MessagePackObject(true)]
public sealed record Chunk(long TransferId, string Manifest, int Index, int Count, ReadOnlyMemory<byte> Data) : IClusterMessage;

/// <summary>Receiver → sender: chunk <see cref="Index"/> arrived; the sender may send one more.</summary>
[MessagePackObject(true)]
public sealed record ChunkAck(long TransferId, int Index) : IClusterMessage;
