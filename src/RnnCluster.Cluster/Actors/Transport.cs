using System.Diagnostics;
using System.Runtime.Serialization;
using Akka.Actor;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;
using RnnCluster.Cluster.Transfer;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// Sends messages of any size to other nodes. A message is serialized once (also when it goes to
/// several nodes). It goes over the node's <see cref="DataPlane"/> (plain TCP, off Akka.Remote) to every
/// node whose data endpoint is known; otherwise over Akka.Remote, cut into <see cref="RunSettings.ChunkSize"/> chunks, at most
/// <see cref="RunSettings.Window"/> of them unacknowledged per transfer, so a tensor never occupies the
/// connection for longer than one window and heartbeats interleave. Large messages are serialized into
/// a pooled buffer that goes back to the pool once every receiver has acknowledged every chunk.
/// Messages to actors of this ActorSystem are told as they are (those that view the sender's buffers
/// as a decoded copy). Used from inside one actor (not thread-safe); the actor routes
/// <see cref="Chunk"/> and <see cref="ChunkAck"/> here.
/// </summary>
internal sealed class Transport(RunSettings settings, ActorSystem? system = null)
{
    private readonly DataPlane? _plane = system is null ? null : DataPlane.Of(system);
    // Smaller messages are copied to an array of their own and their pooled buffer returned at once.
    private const int PooledFromBytes = 64 * 1024;
    private static readonly TimeSpan IncompleteLifetime = TimeSpan.FromMinutes(5);
    private readonly Dictionary<long, Outgoing> _outgoing = [];
    private readonly Dictionary<(string Sender, long Id), Incoming> _incoming = [];
    private readonly Dictionary<string, int> _sizeHints = new(StringComparer.Ordinal);
    private long _nextId = DateTime.UtcNow.Ticks;
    private long _serializeTicks;
    private long _chunkBytesReceived;

    /// <summary>Serialized bytes handed to the data plane or remoting (every receiver counted).</summary>
    public long BytesSent { get; private set; }

    /// <summary>Bytes received in chunks by this actor, plus every byte the node's data plane received.</summary>
    public long BytesReceived => _chunkBytesReceived + (_plane?.BytesReceived ?? 0);

    /// <summary>"host:port" of this node's data plane, or empty when it has none.</summary>
    public string DataEndpoint => _plane?.Endpoint ?? string.Empty;

    /// <summary>How many messages were serialized (a broadcast counts once).</summary>
    public long MessagesEncoded { get; private set; }

    /// <summary>Time spent encoding outgoing and decoding incoming messages (and reassembling chunks; the node's data plane decoding too), in ms.</summary>
    public double SerializeMs => (_serializeTicks * 1000.0 / Stopwatch.Frequency) + (_plane?.DecodeMs ?? 0);

    /// <summary>Records the data endpoint of <paramref name="peer"/>'s node (from its registration).</summary>
    public void Learn(IActorRef peer, string endpoint)
    {
        if (!peer.Path.Address.HasLocalScope)
        {
            _plane?.Learn(peer.Path.Address.ToString(), endpoint);
        }
    }

    public void Send(IActorRef target, IClusterMessage message, IActorRef self) => Broadcast([target], message, self);

    /// <summary>Sends one message to several actors, serializing it at most once.</summary>
    public void Broadcast(IReadOnlyList<IActorRef> targets, IClusterMessage message, IActorRef self)
    {
        var remote = targets.Where(t => !t.Path.Address.HasLocalScope).ToList();
        var local = targets.Where(t => t.Path.Address.HasLocalScope).ToList();
        var viewsBuffers = message is IViewsSenderBuffers;
        if (!viewsBuffers)
        {
            foreach (var target in local)
            {
                target.Tell(message, self);
            }
        }

        if (remote.Count == 0 && (local.Count == 0 || !viewsBuffers))
        {
            return;
        }

        var payload = Encode(message);
        if (viewsBuffers && local.Count > 0 && Decode(SequenceOfPieces.Join([payload.Bytes]), payload.Manifest) is { } copy)
        {
            foreach (var target in local)
            {
                target.Tell(copy, self);
            }
        }

        foreach (var target in remote)
        {
            if (_plane is not null && _plane.Knows(target.Path.Address))
            {
                BytesSent += payload.Bytes.Length;
                payload.AddUser();
                _plane.Send(target, self, payload.Manifest, payload.Bytes, payload.Done);
            }
            else
            {
                StartTransfer(target, payload, self);
            }
        }

        payload.Done();
    }

    public void OnAck(ChunkAck ack, IActorRef self)
    {
        if (!_outgoing.TryGetValue(ack.TransferId, out var transfer))
        {
            return;
        }

        transfer.Acked++;
        if (transfer.Next < transfer.Payload.Count)
        {
            SendChunk(ack.TransferId, transfer, self);
        }

        if (transfer.Acked >= transfer.Payload.Count)
        {
            _outgoing.Remove(ack.TransferId);
            transfer.Payload.Done();
        }
    }

    /// <summary>Acknowledges the chunk; returns the message once all of its chunks are in, else null.</summary>
    public object? OnChunk(Chunk chunk, IActorRef sender, IActorRef self)
    {
        sender.Tell(new ChunkAck(chunk.TransferId, chunk.Index), self);
        _chunkBytesReceived += chunk.Data.Length;
        if (chunk.Count == 1)
        {
            return Decode(new System.Buffers.ReadOnlySequence<byte>(chunk.Data), chunk.Manifest);
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
        return Decode(SequenceOfPieces.Join([.. incoming.Parts.Select(p => p!.Value)]), incoming.Manifest);
    }

    /// <summary>Drops transfers to and from a peer that left.</summary>
    public void Forget(IActorRef peer)
    {
        foreach (var (id, transfer) in _outgoing.Where(kv => kv.Value.Target.Equals(peer)).ToList())
        {
            _outgoing.Remove(id);
            transfer.Payload.Abandon();
        }

        var path = peer.Path.ToString();
        foreach (var key in _incoming.Keys.Where(k => k.Sender == path).ToList())
        {
            _incoming.Remove(key);
        }
    }

    private Payload Encode(IClusterMessage message)
    {
        var started = Stopwatch.GetTimestamp();
        var manifest = MessageCodec.ManifestOf(message);
        var writer = new PooledBufferWriter(_sizeHints.GetValueOrDefault(manifest, 4096));
        MessageCodec.Serialize(message, writer);
        _sizeHints[manifest] = writer.WrittenCount;
        MessagesEncoded++;
        Payload payload;
        if (writer.WrittenCount < PooledFromBytes)
        {
            payload = new Payload(manifest, writer.WrittenMemory.ToArray(), null, settings.ChunkSize);
            writer.Release();
        }
        else
        {
            payload = new Payload(manifest, writer.WrittenMemory, writer, settings.ChunkSize);
        }

        _serializeTicks += Stopwatch.GetTimestamp() - started;
        return payload;
    }

    private object? Decode(System.Buffers.ReadOnlySequence<byte> bytes, string manifest)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return MessageCodec.Deserialize(bytes, manifest);
        }
        catch (SerializationException)
        {
            return null;
        }
        finally
        {
            _serializeTicks += Stopwatch.GetTimestamp() - started;
        }
    }

    private void StartTransfer(IActorRef target, Payload payload, IActorRef self)
    {
        BytesSent += payload.Bytes.Length;
        var id = ++_nextId;
        var transfer = new Outgoing(target, payload);
        // Pooled buffers are tracked until acknowledged, so they return to the pool only when done.
        if (payload.IsPooled || payload.Count > settings.Window)
        {
            _outgoing[id] = transfer;
            payload.AddUser();
        }

        for (var i = 0; i < Math.Min(payload.Count, settings.Window); i++)
        {
            SendChunk(id, transfer, self);
        }
    }

    private void SendChunk(long id, Outgoing transfer, IActorRef self)
    {
        var index = transfer.Next++;
        transfer.Target.Tell(new Chunk(id, transfer.Payload.Manifest, index, transfer.Payload.Count, transfer.Payload.Piece(index)), self);
    }

    private void Expire()
    {
        var now = DateTime.UtcNow;
        foreach (var key in _incoming.Where(kv => now - kv.Value.Started > IncompleteLifetime).Select(kv => kv.Key).ToList())
        {
            _incoming.Remove(key);
        }
    }

    /// <summary>
    /// One serialized message and the transfers still reading it: the encoder holds one reference until
    /// the message is handed to every receiver, each transfer one until it is done; the pooled buffer
    /// goes back to the pool when the last is dropped (data-plane writers drop theirs on their own threads).
    /// </summary>
    private sealed class Payload(string manifest, ReadOnlyMemory<byte> bytes, PooledBufferWriter? pooled, int chunkSize)
    {
        private int _users = 1;
        private volatile bool _abandoned;

        public string Manifest { get; } = manifest;

        public ReadOnlyMemory<byte> Bytes { get; } = bytes;

        public bool IsPooled => pooled is not null;

        public int Count { get; } = Math.Max(1, (bytes.Length + chunkSize - 1) / chunkSize);

        public ReadOnlyMemory<byte> Piece(int index)
        {
            var offset = index * chunkSize;
            return Bytes.Slice(offset, Math.Min(chunkSize, Bytes.Length - offset));
        }

        public void AddUser() => Interlocked.Increment(ref _users);

        public void Done()
        {
            if (Interlocked.Decrement(ref _users) == 0 && !_abandoned)
            {
                pooled?.Release();
            }
        }

        /// <summary>
        /// A receiver left mid-transfer: remoting may still hold chunks of it that are not yet
        /// serialized, so the buffer is left to the garbage collector, never returned to the pool.
        /// </summary>
        public void Abandon()
        {
            _abandoned = true;
            Done();
        }
    }

    private sealed class Outgoing(IActorRef target, Payload payload)
    {
        public IActorRef Target { get; } = target;

        public Payload Payload { get; } = payload;

        public int Next { get; set; }

        public int Acked { get; set; }
    }

    private sealed class Incoming(int count, string manifest, DateTime started)
    {
        public ReadOnlyMemory<byte>?[] Parts { get; } = new ReadOnlyMemory<byte>?[count];

        public string Manifest { get; } = manifest;

        public DateTime Started { get; } = started;

        public int Received { get; set; }
    }
}
