using Akka.Actor;
using Akka.Event;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// Computes BPTT gradients of its shard of the batch streams. Registers with the parameter server
/// every second; keeps a full weight replica patched by each <see cref="ComputeStep"/>. Runs on the
/// pinned rnncluster.worker-dispatcher so its GEMM work never starves remoting and heartbeats.
/// </summary>
public sealed class Worker : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Transport _transport;
    private readonly IActorRef _parameterServer;
    private readonly HashSet<string> _released = [];
    private string _id = "";
    private ShardReplica? _replica;

    public Worker(IActorRef parameterServer, RunSettings settings)
    {
        _parameterServer = parameterServer;
        _transport = new Transport(settings);
        Receive<Chunk>(c =>
        {
            if (_transport.OnChunk(c, Sender, Self) is { } message)
            {
                Handle(message, Sender);
            }
        });
        Receive<ChunkAck>(a => _transport.OnAck(a, Self));
        Receive<ComputeStep>(s => OnStep(s, Sender));
        Receive<ReleaseJob>(OnRelease);
        Receive<Ping>(p => Sender.Tell(new Pong(p.Ticks)));
        Receive<Tick>(_ => _parameterServer.Tell(new RegisterWorker(_id)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef parameterServer, RunSettings settings)
        => Akka.Actor.Props.Create(() => new Worker(parameterServer, settings)).WithDispatcher("rnncluster.worker-dispatcher");

    protected override void PreStart()
    {
        var self = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        _id = Self.Path.ToStringWithAddress(self);
        _parameterServer.Tell(new RegisterWorker(_id));
        Timers.StartPeriodicTimer("register", Tick.Instance, TimeSpan.FromSeconds(1));
    }

    private void Handle(object message, IActorRef sender)
    {
        switch (message)
        {
            case ComputeStep s:
                OnStep(s, sender);
                break;
            case ReleaseJob r:
                OnRelease(r);
                break;
            case Ping p:
                sender.Tell(new Pong(p.Ticks));
                break;
            default:
                _log.Warning("worker ignores {0}", message.GetType().Name);
                break;
        }
    }

    private void OnRelease(ReleaseJob r)
    {
        _released.Add(r.JobId);
        if (_replica?.JobId == r.JobId)
        {
            _replica = null;
        }
    }

    private void OnStep(ComputeStep step, IActorRef sender)
    {
        if (_released.Contains(step.JobId))
        {
            return;
        }

        try
        {
            if (step.Shard is { } shard)
            {
                var keep = _replica?.JobId == step.JobId ? _replica : null;
                _replica = new ShardReplica(step.JobId, ShardReplica.SpecOf(shard), shard, step.Bptt, keep?.Weights)
                {
                    Version = keep?.Version ?? -1,
                };
            }

            var replica = _replica;
            if (replica is null || replica.JobId != step.JobId)
            {
                Refuse(step, sender, "holds no shard of the job");
                return;
            }

            if (step.Weights is { } patch ? !replica.Apply(patch, step.WeightsVersion) : replica.Version != step.WeightsVersion)
            {
                replica.Version = -1;
                Refuse(step, sender, $"weights replica at version {replica.Version}, step needs {step.WeightsVersion}");
                return;
            }

            _transport.Send(sender, replica.Compute(step, _id), Self);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _replica = null;
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
