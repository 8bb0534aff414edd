using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;
using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// Computes BPTT gradients of its shard of the batch streams. Registers with the parameter server
/// every second; keeps a full weight replica patched by each <see cref="WeightUpdate"/>. A
/// <see cref="ComputeStep"/> waits until the replica holds the weights version it names, whichever of
/// the two messages arrives first, and runs at once then. Runs on the pinned
/// rnncluster.worker-dispatcher so its GEMM work never starves remoting and heartbeats.
/// </summary>
public sealed class Worker : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Transport _transport;
    private readonly IActorRef _parameterServer;
    private readonly int _computeThreads;
    // Keyed by the releasing server too: after a coordinator failover a new supervisor may reuse a job id.
    private readonly HashSet<(string JobId, IActorRef Server)> _released = [];
    private string _id = "";
    private WeightReplica? _weights;
    private ShardReplica? _shard;
    private (ComputeStep Step, IActorRef Sender)? _pending;
    private (SendWeights Request, IActorRef Server)? _sendWhenHeld; // a gather of the version whose ranges are still coming in
    private KeyRangeServer? _keyRanges;
    private GradientCompressor? _compressor;
    private readonly List<GradientSlice> _earlySlices = [];
    private double _patchMs;
    private double _serializeMsReported;
    private long _sentReported;
    private double _updateMs;
    private long _receivedReported;

    public Worker(IActorRef parameterServer, RunSettings settings)
    {
        _parameterServer = parameterServer;
        _computeThreads = settings.ComputeThreads;
        _transport = new Transport(settings, Context.System);
        Receive<Chunk>(c =>
        {
            if (_transport.OnChunk(c, Sender, Self) is { } message)
            {
                Handle(message, Sender);
            }
        });
        Receive<ChunkAck>(a => _transport.OnAck(a, Self));
        Receive<ComputeStep>(s => OnStep(s, Sender));
        Receive<WeightUpdate>(u => OnWeights(u, Sender));
        Receive<ReleaseJob>(r => OnRelease(r, Sender));
        Receive<GradientSlice>(OnGradientSlice);
        Receive<RangeSquares>(OnRangeSquares);
        Receive<WeightSlice>(OnWeightSlice);
        Receive<SendWeights>(w => OnSendWeights(w, Sender));
        Receive<Ping>(p => Sender.Tell(new Pong(p.Ticks)));
        Receive<Tick>(_ => _parameterServer.Tell(new RegisterWorker(_id, _transport.DataEndpoint)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef parameterServer, RunSettings settings)
        => Akka.Actor.Props.Create(() => new Worker(parameterServer, settings)).WithDispatcher("rnncluster.worker-dispatcher");

    protected override void PreStart()
    {
        var self = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        _id = Self.Path.ToStringWithAddress(self);
        _parameterServer.Tell(new RegisterWorker(_id, _transport.DataEndpoint));
        Timers.StartPeriodicTimer("register", Tick.Instance, TimeSpan.FromSeconds(1));
    }

    private void Handle(object message, IActorRef sender)
    {
        switch (message)
        {
            case ComputeStep s:
                OnStep(s, sender);
                break;
            case WeightUpdate u:
                OnWeights(u, sender);
                break;
            case ReleaseJob r:
                OnRelease(r, sender);
                break;
            case GradientSlice g:
                OnGradientSlice(g);
                break;
            case RangeSquares q:
                OnRangeSquares(q);
                break;
            case WeightSlice w:
                OnWeightSlice(w);
                break;
            case SendWeights w:
                OnSendWeights(w, sender);
                break;
            case Ping p:
                sender.Tell(new Pong(p.Ticks));
                break;
            default:
                _log.Warning("worker ignores {0}", message.GetType().Name);
                break;
        }
    }

    private void OnRelease(ReleaseJob r, IActorRef server)
    {
        _released.Add((r.JobId, server));
        if (_weights?.JobId == r.JobId)
        {
            _weights = null;
            _shard = null;
            _pending = null;
            _sendWhenHeld = null;
            _keyRanges = null;
            _earlySlices.Clear();
        }
    }

    /// <summary>The replica for <paramref name="jobId"/>, replacing any other job's (whose shard and pending step go too).</summary>
    private WeightReplica ReplicaFor(string jobId)
    {
        if (_weights?.JobId != jobId)
        {
            _weights = new WeightReplica(jobId);
            _shard = null;
            _pending = null;
            _sendWhenHeld = null;
            _keyRanges = null;
            _compressor = null;
            _earlySlices.RemoveAll(s => s.JobId != jobId); // a joiner's first slices may come before its first weights
            _patchMs = 0;
        }

        return _weights;
    }

    private void OnWeights(WeightUpdate update, IActorRef server)
    {
        if (_released.Contains((update.JobId, server)))
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var replica = ReplicaFor(update.JobId);
        if (!replica.Apply(update))
        {
            _log.Warning("worker cannot apply weights version {0} of {1}: not a successor of the version it holds", update.Version, update.JobId);
        }

        TensorPool.Return(update.Patch.Dense); // copied into the replica

        _patchMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        TryCompute();
    }

    private void OnStep(ComputeStep step, IActorRef sender)
    {
        if (_released.Contains((step.JobId, sender)))
        {
            return;
        }

        ReplicaFor(step.JobId);
        if (_pending is { } replaced)
        {
            _log.Info("worker drops step {0} of {1} (generation {2}): a newer step arrived first", replaced.Step.Step, step.JobId, replaced.Step.Generation);

            // The server sends a shard's tokens once and then assumes the worker holds them, so a shard
            // carried by a step that is replaced before it ran must not be lost with it.
            if (step.Shard is null && replaced.Step.Shard is { } unapplied && replaced.Step.JobId == step.JobId)
            {
                step = step with { Shard = unapplied };
            }
        }

        _pending = (step, sender);
        _sendWhenHeld = null; // a new step: the server gathers no more
        TryCompute();
    }

    /// <summary>Runs the pending step once the replica holds its weights version; refuses it when the replica cannot get there.</summary>
    private void TryCompute()
    {
        if (_pending is not var (step, sender) || _weights is not { } weights || weights.JobId != step.JobId)
        {
            return;
        }

        if (weights.Partial || weights.Version > step.WeightsVersion)
        {
            weights.RollBack(step.WeightsVersion); // the step after the version held was abandoned
        }

        if (weights.Version < step.WeightsVersion && !weights.Stale)
        {
            return; // the update is on its way
        }

        _pending = null;
        if (weights.Version != step.WeightsVersion)
        {
            Refuse(step, sender, $"weights replica at version {weights.Version}, step needs {step.WeightsVersion}");
            return;
        }

        try
        {
            if (step.Shard is { } shard)
            {
                _shard = new ShardReplica(step.JobId, ShardReplica.SpecOf(shard), shard, step.Bptt, weights.Weights, _computeThreads);
            }

            if (_shard is not { } replica || replica.JobId != step.JobId || !ReferenceEquals(replica.Weights, weights.Weights))
            {
                Refuse(step, sender, "holds no shard of the job");
                return;
            }

            if (step.Local is { } round)
            {
                RunLocalRound(step, round, replica, weights, sender);
                return;
            }

            var keyRanges = step.Placement is { } placement ? KeyRangesFor(step, placement, replica) : null;
            var compressor = CompressorFor(step, weights.Weights.Length);
            var complete = keyRanges?.BeginStep(step.Step, weights.Weights, sender, step.LearningRate, step.Clip) ?? false;
            var serializeMs = _transport.SerializeMs - _serializeMsReported;
            _serializeMsReported = _transport.SerializeMs;
            // Sharded and uncompressed: the output layer's share of each other range goes while the
            // recurrent layers' backward still runs (as DDP's gradient buckets do).
            int? outputLayerOffset = keyRanges is not null && compressor is null ? replica.OutputLayerOffset : null;
            var result = replica.Compute(step, _id, _patchMs, serializeMs, PeakMemory.ResidentMb(), withGradient: keyRanges is null, compressor,
                outputLayerOffset is { } offset ? () => SendOutputLayerParts(keyRanges!, replica.Gradient.Gradient, offset) : null) with
            {
                BytesSent = _transport.BytesSent - _sentReported,
                BytesReceived = _transport.BytesReceived - _receivedReported,
                UpdateMs = _updateMs,
            };
            _updateMs = 0;
            (_sentReported, _receivedReported) = (_transport.BytesSent, _transport.BytesReceived);
            _patchMs = 0;
            if (keyRanges is null)
            {
                _transport.Send(sender, result, Self);
                return;
            }

            // Sharded: the gradient goes to the key ranges' owners, the rest of the result to the server.
            var gradient = replica.Gradient.Gradient;
            var rows = replica.Gradient.Support.Rows;
            compressor?.BeginStep(step.JobId, step.Step);
            // The other owners' slices go first: summing this node's own range in meanwhile keeps them waiting.
            for (var k = 0; k < keyRanges.Ranges.Count; k++)
            {
                if (k != keyRanges.Node)
                {
                    _transport.Send(keyRanges.Owners[k], keyRanges.SliceOf(k, gradient, rows, compressor, outputLayerOffset), Self);
                }
            }

            _transport.Send(sender, result, Self);
            if (keyRanges.Node >= 0)
            {
                complete = keyRanges.Accept(keyRanges.SliceOf(keyRanges.Node, gradient, rows)); // never on the wire: not compressed
            }

            if (complete)
            {
                ReduceRange(keyRanges);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _shard = null;
            Refuse(step, sender, e.Message);
        }
    }

    /// <summary>The first parts of this node's slices: the output layer's share of every other range (see <see cref="KeyRangeServer.OutputLayerPartOf"/>).</summary>
    private void SendOutputLayerParts(KeyRangeServer keyRanges, float[] gradient, int outputLayerOffset)
    {
        for (var k = 0; k < keyRanges.Ranges.Count; k++)
        {
            if (k != keyRanges.Node && keyRanges.OutputLayerPartOf(k, gradient, outputLayerOffset) is { } part)
            {
                _transport.Send(keyRanges.Owners[k], part, Self);
            }
        }
    }

    /// <summary>
    /// A local-SGD round on the replica, then its weights to the server. The replica no longer holds
    /// any server version: it waits for the averaged weights (a full update) before the next round.
    /// </summary>
    private void RunLocalRound(ComputeStep step, LocalRound round, ShardReplica replica, WeightReplica weights, IActorRef sender)
    {
        var serializeMs = _transport.SerializeMs - _serializeMsReported;
        _serializeMsReported = _transport.SerializeMs;
        var result = replica.ComputeRound(step, round, _id, _patchMs, serializeMs, PeakMemory.ResidentMb(), CompressorFor(step, weights.Weights.Length)) with
        {
            BytesSent = _transport.BytesSent - _sentReported,
            BytesReceived = _transport.BytesReceived - _receivedReported,
        };
        (_sentReported, _receivedReported) = (_transport.BytesSent, _transport.BytesReceived);
        _patchMs = 0;
        weights.Invalidate();
        _transport.Send(sender, result, Self);
    }

    /// <summary>The step's gradient compressor (null: none); kept across steps, as top-k's residual must be.</summary>
    private GradientCompressor? CompressorFor(ComputeStep step, int layoutSize)
    {
        var compression = WireCompression.Parse(step.Compression);
        if (compression.Kind == CompressionKind.None)
        {
            return _compressor = null;
        }

        if (_compressor is not { } current || current.Compression != compression || current.LayoutSize != layoutSize)
        {
            _compressor = new GradientCompressor(compression, layoutSize);
        }

        return _compressor;
    }

    /// <summary>The key-range server of the step's generation, created (and given the slices that came early) when the generation is new.</summary>
    private KeyRangeServer KeyRangesFor(ComputeStep step, KeyRangePlacement placement, ShardReplica replica)
    {
        if (_keyRanges is { } current && current.Serves(step.JobId, step.Generation))
        {
            return current;
        }

        var server = new KeyRangeServer(step.JobId, step.Generation, placement, _id, replica.EmbeddingLength, replica.Hidden, replica.Weights,
            path => ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(path));
        for (var k = 0; k < server.Owners.Count; k++)
        {
            if (placement.Endpoints[k].Length > 0)
            {
                _transport.Learn(server.Owners[k], placement.Endpoints[k]);
            }
        }

        _keyRanges = server;
        foreach (var slice in _earlySlices.Where(s => server.Serves(s.JobId, s.Generation)))
        {
            server.Accept(slice);
        }

        _earlySlices.Clear();
        return server;
    }

    private void OnGradientSlice(GradientSlice slice)
    {
        try
        {
            if (_keyRanges is { } server && server.Serves(slice.JobId, slice.Generation))
            {
                if (server.Accept(slice))
                {
                    ReduceRange(server);
                }
            }
            else if (_earlySlices.Count < 256 && slice.Generation > (_keyRanges?.Generation ?? -1))
            {
                _earlySlices.Add(slice); // its step's placement has not arrived yet
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _log.Warning("worker ignores a gradient slice of {0} from node {1}: {2}", slice.JobId, slice.Node, e.Message);
        }
    }

    /// <summary>The served range is summed: its squares go to the other owners and the parameter server; then it applies if it can.</summary>
    private void ReduceRange(KeyRangeServer server)
    {
        var started = Stopwatch.GetTimestamp();
        var squares = server.Reduce();
        _updateMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _transport.Broadcast([server.Coordinator, .. server.Peers], squares, Self);
        ApplyRangeIfReady(server);
    }

    private void OnRangeSquares(RangeSquares squares)
    {
        if (_keyRanges is { Node: >= 0 } server && server.Serves(squares.JobId, squares.Generation))
        {
            server.AcceptSquares(squares);
            ApplyRangeIfReady(server);
        }
    }

    /// <summary>Applies the served range once it is summed and every range's squares are in; its new weights go to every worker.</summary>
    private void ApplyRangeIfReady(KeyRangeServer server)
    {
        if (!server.CanApply || _weights is not { } weights)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var slice = server.Apply(weights.Weights, _compressor?.Compression ?? WireCompression.None);
        _updateMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _transport.Broadcast(server.Peers, slice, Self);
        OnWeightSlice(slice); // this node's own range: straight into the replica, no encoding
    }

    private void OnWeightSlice(WeightSlice slice)
    {
        if (_weights is not { } weights || weights.JobId != slice.JobId || _keyRanges is not { } server || !server.Serves(slice.JobId, slice.Generation))
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        if (weights.ApplySlice(slice))
        {
            _transport.Send(server.Coordinator, new WeightsReady(slice.JobId, slice.Generation, slice.Version, _id), Self);
            if (_sendWhenHeld is var (request, requester) && request.JobId == slice.JobId && request.Version == slice.Version)
            {
                _sendWhenHeld = null;
                OnSendWeights(request, requester);
            }
        }

        TensorPool.Return(slice.Dense); // a decoded array goes back to the pool; a view of the range's weights is ignored
        _patchMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        TryCompute();
    }

    /// <summary>
    /// Sends the replica's weights as a full update, or, when the ranges of the version asked for are
    /// still coming in (the server commits a sharded step before the new weights reach every replica),
    /// once they are all in.
    /// </summary>
    private void OnSendWeights(SendWeights request, IActorRef server)
    {
        if (_weights is { } weights && weights.JobId == request.JobId && weights.Version == request.Version && !weights.Partial)
        {
            _transport.Send(server, new WeightUpdate(weights.JobId, weights.Version, new WeightPatch(true, weights.Weights, [], ReadOnlyMemory<float>.Empty)), Self);
        }
        else if (_weights is { } arriving && arriving.JobId == request.JobId && arriving.Version == request.Version - 1 && !arriving.Stale)
        {
            _sendWhenHeld = (request, server);
        }
        else
        {
            _log.Warning("worker cannot send weights version {0} of {1}: it holds {2}", request.Version, request.JobId,
                _weights is null ? "none" : $"version {_weights.Version} of {_weights.JobId}");
        }
    }

    private void Refuse(ComputeStep step, IActorRef sender, string reason)
    {
        _log.Warning("worker refuses step {0} of {1}: {2}", step.Step, step.JobId, reason);
        sender.Tell(new StepRefused(step.JobId, step.Generation, step.Step, _id, reason));
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
