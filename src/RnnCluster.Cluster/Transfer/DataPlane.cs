using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Cluster.Serialization;

namespace RnnCluster.Cluster.Transfer;

/// <summary>
/// The bulk data plane of one node: a TCP listener bound where remoting binds (port 0: any free port)
/// and one outgoing connection per peer node, over which serialized tensor messages (weights,
/// gradients, steps with hidden states and token ids) travel as length-prefixed frames while
/// Akka.Remote keeps control, membership and heartbeats — which therefore never queue behind a tensor.
/// <para>
/// A frame names its target and sender actors by path and carries the sending node's address and
/// data endpoint, so a receiver learns where to answer. The receiving node decodes the message on the
/// connection's own thread and tells it to the target actor with the sender's ref, exactly as if it
/// had come over remoting. A connection that breaks drops the frames on it: the step they belong to
/// times out or is redone like a step whose worker died.
/// </para>
/// </summary>
public sealed class DataPlane : IAsyncDisposable
{
    private const int Magic = 0x52444E31; // "RDN1"
    private const int MaxHeaderBytes = 64 * 1024;
    private const long MaxPayloadBytes = 2L * 1024 * 1024 * 1024 - 1;
    private static readonly ConditionalWeakTable<ActorSystem, DataPlane> Planes = [];
    private readonly ExtendedActorSystem _system;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, string> _endpoints = new(StringComparer.Ordinal); // node address → host:port
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IActorRef> _refs = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log;
    private readonly Task _accepting;
    private readonly Security.ClusterTls? _tls;
    private long _bytesReceived;
    private long _decodeTicks;

    private DataPlane(ExtendedActorSystem system, Socket listener, string advertisedHost, Security.ClusterTls? tls)
    {
        _system = system;
        _tls = tls;
        _listener = listener;
        _log = Logging.GetLogger(system, nameof(DataPlane));
        Endpoint = $"{advertisedHost}:{((IPEndPoint)listener.LocalEndPoint!).Port}";
        SelfAddress = system.Provider.DefaultAddress.ToString();
        _accepting = Task.Run(AcceptLoop);
    }

    /// <summary>"host:port" other nodes connect to.</summary>
    public string Endpoint { get; }

    /// <summary>This node's Akka address, as frames name it.</summary>
    public string SelfAddress { get; }

    /// <summary>Payload bytes received by this node's data plane.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>
    /// Fault injection for tests: a received frame whose manifest (see <see cref="MessageRegistry"/>)
    /// this returns true for is dropped unread, as a connection that breaks loses it. Null: none is.
    /// </summary>
    internal Func<string, bool>? DropReceived { get; set; }

    /// <summary>Milliseconds spent decoding received messages (on the connections' threads).</summary>
    public double DecodeMs => Interlocked.Read(ref _decodeTicks) * 1000.0 / Stopwatch.Frequency;

    /// <summary>
    /// Opens the data port of <paramref name="system"/> on <paramref name="bindHost"/> (0.0.0.0 binds
    /// every interface) at <paramref name="port"/> (0: any free port); other nodes reach it at
    /// <paramref name="advertisedHost"/>.
    /// </summary>
    /// <param name="tls">When given, every connection is TLS with mutual authentication (see <see cref="Security.ClusterTls"/>).</param>
    /// <exception cref="InvalidOperationException">When the port cannot be bound (the message names --data-port).</exception>
    public static DataPlane Start(ActorSystem system, string bindHost, string advertisedHost, int port, Security.ClusterTls? tls = null)
    {
        var address = bindHost switch
        {
            "0.0.0.0" => IPAddress.Any,
            "::" or "[::]" => IPAddress.IPv6Any,
            _ => Dns.GetHostAddresses(bindHost).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First(),
        };
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            listener.DualMode = true;
        }

        try
        {
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(64);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new InvalidOperationException($"--data-port {port}: cannot listen on {bindHost}:{port}: {e.Message}", e);
        }

        var plane = new DataPlane((ExtendedActorSystem)system, listener, advertisedHost, tls);
        Planes.AddOrUpdate(system, plane);
        return plane;
    }

    /// <summary>The data plane of <paramref name="system"/>, or null when it has none (messages then go over remoting).</summary>
    public static DataPlane? Of(ActorSystem system) => Planes.TryGetValue(system, out var plane) ? plane : null;

    /// <summary>Records that the node at <paramref name="nodeAddress"/> (an Akka address) takes frames at <paramref name="endpoint"/>.</summary>
    public void Learn(string nodeAddress, string endpoint)
    {
        if (!string.IsNullOrEmpty(endpoint))
        {
            _endpoints[nodeAddress] = endpoint;
        }
    }

    /// <summary>True when frames for actors of <paramref name="nodeAddress"/> can be sent here.</summary>
    public bool Knows(Address nodeAddress) => _endpoints.ContainsKey(nodeAddress.ToString());

    /// <summary>
    /// Queues one serialized message for <paramref name="target"/> (on a node this plane knows).
    /// <paramref name="release"/> runs once the bytes are written or dropped; until then they must not change.
    /// </summary>
    public void Send(IActorRef target, IActorRef sender, string manifest, ReadOnlyMemory<byte> payload, Action release)
    {
        var node = target.Path.Address.ToString();
        if (!_endpoints.TryGetValue(node, out var endpoint))
        {
            release();
            throw new InvalidOperationException($"no data endpoint known for {node}");
        }

        var header = new FrameHeader(SelfAddress, Endpoint, Akka.Serialization.Serialization.SerializedActorPath(target),
            Akka.Serialization.Serialization.SerializedActorPath(sender), manifest);
        var connection = _connections.GetOrAdd(endpoint, e => new Connection(this, e));
        if (!connection.Enqueue(new Frame(header, payload, release)))
        {
            release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        foreach (var connection in _connections.Values)
        {
            connection.Close();
        }

        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        Planes.Remove(_system);
        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            _ = Task.Factory.StartNew(() => ReceiveLoop(socket), TaskCreationOptions.LongRunning);
        }
    }

    private void ReceiveLoop(Socket socket)
    {
        using var network = new NetworkStream(socket, ownsSocket: true);
        using var tls = _tls is null ? null : new System.Net.Security.SslStream(network, leaveInnerStreamOpen: true);
        Stream stream = network;
        try
        {
            if (tls is not null)
            {
                tls.AuthenticateAsServerAsync(_tls!.ServerOptions(_log, socket.RemoteEndPoint?.ToString() ?? "?"), _stop.Token).GetAwaiter().GetResult();
                stream = tls;
            }
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or SocketException or OperationCanceledException)
        {
            return; // refused: the callback logged why (or the peer went away)
        }

        using var reader = new BinaryReader(new BufferedStream(stream, 64 * 1024));
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (reader.ReadInt32() != Magic)
                {
                    _log.Warning("data plane: a connection sent a frame without the magic number; closing it");
                    return;
                }

                var header = FrameHeader.Read(reader, MaxHeaderBytes);
                var length = reader.ReadInt64();
                if (length is < 0 or > MaxPayloadBytes)
                {
                    _log.Warning("data plane: frame of {0} bytes from {1} refused; closing the connection", length, header.SenderNode);
                    return;
                }

                var buffer = ArrayPool<byte>.Shared.Rent((int)length);
                try
                {
                    reader.BaseStream.ReadExactly(buffer, 0, (int)length);
                    Interlocked.Add(ref _bytesReceived, length);
                    Learn(header.SenderNode, header.SenderEndpoint);
                    if (DropReceived?.Invoke(header.Manifest) != true)
                    {
                        Deliver(header, buffer.AsMemory(0, (int)length));
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or SocketException or ObjectDisposedException)
        {
            // The peer went away: frames in flight on this connection are lost (see the class comment).
        }
    }

    private void Deliver(FrameHeader header, ReadOnlyMemory<byte> payload)
    {
        var started = Stopwatch.GetTimestamp();
        object message;
        try
        {
            message = MessageCodec.Deserialize(new ReadOnlySequence<byte>(payload), header.Manifest);
        }
        catch (System.Runtime.Serialization.SerializationException e)
        {
            _log.Warning("data plane: dropped a {0} message from {1}: {2}", header.Manifest, header.SenderNode, e.Message);
            return;
        }
        finally
        {
            Interlocked.Add(ref _decodeTicks, Stopwatch.GetTimestamp() - started);
        }

        Resolve(header.Target).Tell(message, Resolve(header.Sender));
    }

    private IActorRef Resolve(string path) => _refs.GetOrAdd(path, p => _system.Provider.ResolveActorRef(p));

    private void Forget(Connection connection) => _connections.TryRemove(new KeyValuePair<string, Connection>(connection.Endpoint, connection));

    private sealed record Frame(FrameHeader Header, ReadOnlyMemory<byte> Payload, Action Release);

    /// <summary>Who a frame is for and from.</summary>
    private sealed record FrameHeader(string SenderNode, string SenderEndpoint, string Target, string Sender, string Manifest)
    {
        public void Write(BinaryWriter writer)
        {
            writer.Write(SenderNode);
            writer.Write(SenderEndpoint);
            writer.Write(Target);
            writer.Write(Sender);
            writer.Write(Manifest);
        }

        public static FrameHeader Read(BinaryReader reader, int maxBytes)
        {
            var fields = new string[5];
            var total = 0;
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = reader.ReadString();
                total += fields[i].Length;
                if (total > maxBytes)
                {
                    throw new IOException("frame header too long");
                }
            }

            return new FrameHeader(fields[0], fields[1], fields[2], fields[3], fields[4]);
        }
    }

    /// <summary>One outgoing connection: frames are written in order by one writer task.</summary>
    private sealed class Connection
    {
        private readonly DataPlane _plane;
        private readonly Channel<Frame> _queue = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _closed = new();

        public Connection(DataPlane plane, string endpoint)
        {
            _plane = plane;
            Endpoint = endpoint;
            _ = Task.Factory.StartNew(WriteLoop, TaskCreationOptions.LongRunning);
        }

        public string Endpoint { get; }

        public bool Enqueue(Frame frame) => _queue.Writer.TryWrite(frame);

        public void Close()
        {
            _queue.Writer.TryComplete();
            _closed.Cancel();
        }

        private async Task WriteLoop()
        {
            Socket? socket = null;
            try
            {
                var colon = Endpoint.LastIndexOf(':');
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(Endpoint[..colon], int.Parse(Endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), _closed.Token)
                    .ConfigureAwait(false);
                await using var network = new NetworkStream(socket, ownsSocket: false);
                await using var tls = _plane._tls is null ? null : new System.Net.Security.SslStream(network, leaveInnerStreamOpen: true);
                Stream stream = network;
                if (tls is not null)
                {
                    await tls.AuthenticateAsClientAsync(_plane._tls!.ClientOptions(_plane._log, Endpoint), _closed.Token).ConfigureAwait(false);
                    stream = tls;
                }

                using var header = new MemoryStream();
                using var headerWriter = new BinaryWriter(header);
                await foreach (var frame in _queue.Reader.ReadAllAsync(_closed.Token).ConfigureAwait(false))
                {
                    try
                    {
                        header.SetLength(0);
                        headerWriter.Write(Magic);
                        frame.Header.Write(headerWriter);
                        headerWriter.Write((long)frame.Payload.Length);
                        headerWriter.Flush();
                        await stream.WriteAsync(header.GetBuffer().AsMemory(0, (int)header.Length), _closed.Token).ConfigureAwait(false);
                        await stream.WriteAsync(frame.Payload, _closed.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        frame.Release();
                    }
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
            {
                _plane._log.Warning("data plane: connection to {0} closed: {1}", Endpoint, e.Message);
            }
            finally
            {
                _plane.Forget(this);
                _queue.Writer.TryComplete();
                while (_queue.Reader.TryRead(out var dropped))
                {
                    dropped.Release();
                }

                socket?.Dispose();
            }
        }
    }
}
