using System.Runtime.Serialization;
using Akka.Actor;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// Sends messages of any size over Akka.Remote: a message for another node is serialized once and cut
/// into <see cref="RunSettings.ChunkSize"/> chunks, at most <see cref="RunSettings.Window"/> of them
/// unacknowledged per transfer, so a tensor never occupies the connection for longer than one window
/// and heartbeats interleave. Messages to actors of this ActorSystem are told as they are. Used from
/// inside one actor (not thread-safe); the actor routes <see cref="Chunk"/> and <see cref="ChunkAck"/> here.
/// </summary>
internal sealed class Transport(RunSettings settings)
{
    private static readonly TimeSpan IncompleteLifetime = TimeSpan.FromMinutes(5);
    private readonly Dictionary<long, Outgoing> _outgoing = [];
    private readonly Dictionary<(string Sender, long Id), Incoming> _incoming = [];
    private long _nextId = DateTime.UtcNow.Ticks;

    public long BytesSent { get; private set; }

    public long BytesReceived { get; private set; }

    public void Send(IActorRef target, IClusterMessage message, IActorRef self)
    {
        if (target.Path.Address.HasLocalScope)
        {
            target.Tell(message, self);
            return;
        }

        var manifest = MessageCodec.ManifestOf(message);
        var bytes = MessageCodec.Serialize(message);
        BytesSent += bytes.Length;
        var id = ++_nextId;
        var count = Math.Max(1, (bytes.Length + settings.ChunkSize - 1) / settings.ChunkSize);
        var transfer = new Outgoing(target, manifest, bytes, count);
        if (count > settings.Window)
        {
            _outgoing[id] = transfer;
        }

        for (var i = 0; i < Math.Min(count, settings.Window); i++)
        {
            SendChunk(id, transfer, self);
        }
    }

    public void OnAck(ChunkAck ack, IActorRef self)
    {
        if (!_outgoing.TryGetValue(ack.TransferId, out var transfer))
        {
            return;
        }

        transfer.Acked++;
        if (transfer.Next < transfer.Count)
        {
            SendChunk(ack.TransferId, transfer, self);
        }

        if (transfer.Acked >= transfer.Count)
        {
            _outgoing.Remove(ack.TransferId);
        }
    }

    /// <summary>Acknowledges the chunk; returns the message once all of its chunks are in, else null.</summary>
    public object? OnChunk(Chunk chunk, IActorRef sender, IActorRef self)
    {
        sender.Tell(new ChunkAck(chunk.TransferId, chunk.Index), self);
        BytesReceived += chunk.Data.Length;
        if (chunk.Count == 1)
        {
            return Decode(chunk.Data, chunk.Manifest);
        }

        if (chunk.Count < 1 || chunk.Index < 0 || chunk.Index >= chunk.Count)
        {
            return null;
        }

        var key = (sender.Path.ToString(), chunk.TransferId);
        if (!_incoming.TryGetValue(key, out var incoming))
        {
            Expire();
            incoming = new Incoming(chunk.Count, chunk.Manifest, DateTime.UtcNow);
            _incoming[key] = incoming;
        }

        if (incoming.Parts[chunk.Index] is null)
        {
            incoming.Parts[chunk.Index] = chunk.Data;
            incoming.Received++;
        }

        if (incoming.Received < incoming.Parts.Length)
        {
            return null;
        }

        _incoming.Remove(key);
        var whole = new byte[incoming.Parts.Sum(p => p!.Length)];
        var offset = 0;
        foreach (var part in incoming.Parts)
        {
            part!.CopyTo(whole, offset);
            offset += part.Length;
        }

        return Decode(whole, incoming.Manifest);
    }

    /// <summary>Drops transfers to and from a peer that left.</summary>
    public void Forget(IActorRef peer)
    {
        foreach (var id in _outgoing.Where(kv => kv.Value.Target.Equals(peer)).Select(kv => kv.Key).ToList())
        {
            _outgoing.Remove(id);
        }

        var path = peer.Path.ToString();
        foreach (var key in _incoming.Keys.Where(k => k.Sender == path).ToList())
        {
            _incoming.Remove(key);
        }
    }

    private static object? Decode(byte[] bytes, string manifest)
    {
        try
        {
            return MessageCodec.Deserialize(bytes, manifest);
        }
        catch (SerializationException)
        {
            return null;
        }
    }

    private void SendChunk(long id, Outgoing transfer, IActorRef self)
    {
        var index = transfer.Next++;
        var offset = index * settings.ChunkSize;
        var length = Math.Min(settings.ChunkSize, transfer.Bytes.Length - offset);
        var data = transfer.Count == 1 ? transfer.Bytes : transfer.Bytes.AsSpan(offset, length).ToArray();
        transfer.Target.Tell(new Chunk(id, transfer.Manifest, index, transfer.Count, data), self);
    }

    private void Expire()
    {
        var now = DateTime.UtcNow;
        foreach (var key in _incoming.Where(kv => now - kv.Value.Started > IncompleteLifetime).Select(kv => kv.Key).ToList())
        {
            _incoming.Remove(key);
        }
    }

    private sealed class Outgoing(IActorRef target, string manifest, byte[] bytes, int count)
    {
        public IActorRef Target { get; } = target;

        public string Manifest { get; } = manifest;

        public byte[] Bytes { get; } = bytes;

        public int Count { get; } = count;

        public int Next { get; set; }

        public int Acked { get; set; }
    }

    private sealed class Incoming(int count, string manifest, DateTime started)
    {
        public byte[]?[] Parts { get; } = new byte[count][];

        public string Manifest { get; } = manifest;

        public DateTime Started { get; } = started;

        public int Received { get; set; }
    }
}
