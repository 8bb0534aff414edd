using Akka.Actor;
using Akka.Event;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// Checks once, at node start-up, that the job supervisor singleton answers through this node's proxy,
/// and warns every <see cref="WarnAfter"/> until it does. It replaces the ClusterSingletonProxy's own
/// identification-failure warning, which Akka.NET 1.5 logs falsely on every proxy start (its timer's
/// first tick fires at once: akkadotnet/akka.net#8568) and is turned off in cluster.conf.
/// </summary>
public sealed class SupervisorReachability : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan WarnAfter = TimeSpan.FromSeconds(30);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DateTime _started = DateTime.UtcNow;

    public SupervisorReachability(IActorRef supervisorProxy)
    {
        Receive<ClusterStatus>(_ =>
        {
            _log.Info("job supervisor reachable ({0:F1} s after start-up)", (DateTime.UtcNow - _started).TotalSeconds);
            Context.Stop(Self);
        });
        Receive<Check>(_ =>
        {
            _log.Warning("no job supervisor has answered for {0:F0} s: is a coordinator node up and reachable (seeds, roles)?",
                (DateTime.UtcNow - _started).TotalSeconds);
            supervisorProxy.Tell(GetStatus.Instance);
        });
        supervisorProxy.Tell(GetStatus.Instance);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef supervisorProxy) => Akka.Actor.Props.Create(() => new SupervisorReachability(supervisorProxy));

    protected override void PreStart() => Timers.StartPeriodicTimer("check", Check.Instance, WarnAfter);

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }
}
