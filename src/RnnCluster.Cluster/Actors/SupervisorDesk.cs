using Akka.Actor;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The clients' entry on a coordinator node (registered with the cluster-client receptionist as
/// <see cref="Hosting.ClusterAddresses.SupervisorService"/>): forwards every request to the job
/// supervisor singleton through its proxy, but answers <see cref="GetStatus"/> itself when the
/// supervisor does not answer within <see cref="StatusPatience"/>: with the members as this node sees
/// them and a <see cref="ClusterStatus.Notice"/> saying why no jobs are shown. While the singleton
/// moves to another coordinator (the oldest one crashed or was cut off: about 12–20 s until it is
/// downed and the supervisor has restarted) a client then learns that instead of "no coordinator
/// answered".
/// </summary>
internal sealed class SupervisorDesk : ReceiveActor
{
    /// <summary>How long (seconds) a status request waits for the supervisor before this node answers for it.</summary>
    public static readonly TimeSpan StatusPatience = TimeSpan.FromSeconds(5);

    public SupervisorDesk(IActorRef supervisor)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        Receive<GetStatus>(request =>
        {
            var replyTo = Sender;
            supervisor.Ask<ClusterStatus>(request, StatusPatience).PipeTo(replyTo, Self,
                success: status => status,
                failure: _ => WithoutSupervisor(cluster));
        });
        ReceiveAny(message => supervisor.Forward(message));
    }

    public static Props Props(IActorRef supervisor) => Akka.Actor.Props.Create(() => new SupervisorDesk(supervisor));

    /// <summary>The members as this node sees them, no jobs, and why.</summary>
    private static ClusterStatus WithoutSupervisor(Akka.Cluster.Cluster cluster)
    {
        var state = cluster.State;
        var members = state.Members
            .Select(m => new MemberStatus(m.Address.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)],
                state.Unreachable.Contains(m) ? $"{m.Status} (unreachable)" : m.Status.ToString()))
            .ToList();
        var oldest = state.Members.Where(m => m.HasRole(Hosting.NodeOptions.CoordinatorRole)).OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).FirstOrDefault();
        var notice = oldest is not null && (state.Unreachable.Contains(oldest) || oldest.Status != Akka.Cluster.MemberStatus.Up)
            ? $"the job supervisor is moving: the coordinator that hosts it ({oldest.Address}) is unreachable or leaving, and once the cluster downs it (seconds) the supervisor starts on the next oldest coordinator and resumes the running jobs from their checkpoints; run status again shortly"
            : oldest is not null && oldest.Address.Equals(cluster.SelfAddress)
                ? $"the job supervisor is starting on this coordinator (the oldest one now) and resuming the running jobs from their checkpoints, or is busy: it did not answer within {StatusPatience.TotalSeconds:F0} s; run status again shortly"
                : $"the job supervisor did not answer within {StatusPatience.TotalSeconds:F0} s (it may be busy, or starting); run status again shortly";
        return new ClusterStatus(members, [], notice);
    }
}
