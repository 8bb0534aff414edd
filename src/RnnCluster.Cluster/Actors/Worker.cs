using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;
using RnnCluster.Core.Diagnostics;

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
    private double _patchMs;
    private double _serializeMsReported;

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
        TryCompute();
    }

    /// <summary>Runs the pending step once the replica holds its weights version; refuses it when the replica cannot get there.</summary>
    private void TryCompute()
    {
        if (_pending is not var (step, sender) || _weights is not { } weights || weights.JobId != step.JobId)
        {
            return;
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

            var serializeMs = _transport.SerializeMs - _serializeMsReported;
            _serializeMsReported = _transport.SerializeMs;
            var result = replica.Compute(step, _id, _patchMs, serializeMs, PeakMemory.ResidentMb());
            _patchMs = 0;
            _transport.Send(sender, result, Self);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _shard = null;
            Refuse(step, sender, e.Message);
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
