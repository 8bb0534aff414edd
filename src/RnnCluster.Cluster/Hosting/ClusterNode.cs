using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.Singleton;
using Akka.Event;
using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Transfer;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Cluster.Hosting;

/// <summary>
/// One node of the cluster in this process. Coordinator nodes host the JobSupervisor and
/// ParameterServer singletons; worker nodes host <see cref="NodeOptions.WorkersPerNode"/> Worker actors.
/// Coordinator nodes register a supervisor proxy with the ClusterClientReceptionist, so any coordinator is a
/// contact for the CLI (workers are not: a client's watch stream must not die with a worker).
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long (seconds) a node with seeds holds its log back while it has not joined: past <see cref="JoinDiagnosis.FirstProbeAfter"/> and one probe.</summary>
    private static readonly TimeSpan HoldLogWhileJoining = TimeSpan.FromSeconds(8);

    private ClusterNode(ActorSystem system, NodeOptions options)
    {
        System = system;
        Options = options;
        Port = ((ExtendedActorSystem)system).Provider.DefaultAddress.Port ?? options.Port;
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(up.SetResult);
        WhenUp = up.Task;
    }

    public ActorSystem System { get; }

    public NodeOptions Options { get; }

    /// <summary>The bound port.</summary>
    public int Port { get; }

    public Task WhenTerminated => System.WhenTerminated;

    /// <summary>Completes when this node is an Up member of the cluster; never, for a node that does not join.</summary>
    public Task WhenUp { get; }

    public static Task<ClusterNode> StartAsync(NodeOptions options, CancellationToken cancel = default)
        => StartAsync(options, null, cancel);

    /// <summary>As <see cref="StartAsync(NodeOptions, CancellationToken)"/>, with HOCON that overrides cluster-config (tests).</summary>
    internal static Task<ClusterNode> StartAsync(NodeOptions options, string? extraHocon, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancel.ThrowIfCancellationRequested();
        var config = ClusterConfig.ForNode(options, extraHocon);
        var system = ActorSystem.Create(ClusterAddresses.SystemName, ClusterConfig.Setup(config, options.Tls));
        try
        {
            var node = new ClusterNode(system, options);
            var plane = DataPlane.Start(system, options.Host, options.AdvertisedHost, options.DataPort, options.Tls);
            _ = system.WhenTerminated.ContinueWith(_ => plane.DisposeAsync().AsTask(), TaskScheduler.Default);
            node.StartActors(RunSettings.From(config, options.CheckpointDir) with { ComputeThreads = options.Threads });
            var cluster = Akka.Cluster.Cluster.Get(system);
            if (options.Seeds is not { Count: > 0 })
            {
                // A coordinator restarted without --seeds joins the coordinators it last ran with. They all
                // order that list the same way (RestartSeeds), and only the first may found a cluster, after
                // seed-node-timeout (5 s) without an answer (Akka's first seed): coordinators restarted together
                // form one cluster, and none starts a second beside one that carried on without it.
                var seeds = options.IsCoordinator && options.CheckpointDir is { } dir ? RestartSeeds(dir, cluster.SelfAddress) : [];
                if (seeds.Count > 1)
                {
                    var founder = seeds[0].Equals(cluster.SelfAddress) ? "this node, the first of them, founds a cluster if none answers within 5 s" : $"a cluster they all left is founded again by {seeds[0]}, the first of them";
                    system.Log.Info("joining the coordinators this node last ran with ({0}, from {1}); {2}", string.Join(", ", seeds.Where(a => !a.Equals(cluster.SelfAddress))), options.CheckpointDir, founder);
                    cluster.JoinSeedNodes(seeds);
                }
                else
                {
                    cluster.Join(cluster.SelfAddress);
                }
            }

            if (options.Seeds is { Count: > 0 })
            {
                // Held until the node has joined, or long enough for JoinDiagnosis to find a TLS mismatch with
                // its seeds (then the CLI's one line is all it prints), whichever comes first.
                cluster.RegisterOnMemberUp(() => StandardErrorLogger.StartPrinting(system));
                _ = Task.Delay(HoldLogWhileJoining, CancellationToken.None).ContinueWith(_ => StandardErrorLogger.StartPrinting(system), TaskScheduler.Default);
            }
            else
            {
                StandardErrorLogger.StartPrinting(system);
            }

            _ = NodeWarmup.StartAsync();
            return Task.FromResult(node);
        }
        catch
        {
            system.Terminate().Wait(ShutdownTimeout);
            throw;
        }
    }

    /// <summary>
    /// The seed list of a coordinator restarted without --seeds: itself and the coordinators its
    /// checkpoint directory recorded (<see cref="Actors.KnownCoordinators"/>), in ordinal order of their
    /// addresses, so every one of them puts the same coordinator first. A single entry: it runs alone.
    /// </summary>
    public static IReadOnlyList<Address> RestartSeeds(string checkpointDir, Address self)
        => [.. Actors.KnownCoordinators.Others(checkpointDir, self).Append(self).OrderBy(a => a.ToString(), StringComparer.Ordinal)];

    public async ValueTask DisposeAsync()
    {
        if (System.WhenTerminated.IsCompleted)
        {
            return;
        }

        try
        {
            await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance)
                .WaitAsync(ShutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // fall through to a hard stop
        }

        if (!System.WhenTerminated.IsCompleted)
        {
            await System.Terminate().WaitAsync(ShutdownTimeout).ConfigureAwait(false);
        }
    }

    private void StartActors(RunSettings settings)
    {
        var coordinator = NodeOptions.CoordinatorRole;
        var psProxy = System.ActorOf(
            ClusterSingletonProxy.Props("/user/parameter-server", ClusterSingletonProxySettings.Create(System).WithRole(coordinator)),
            "parameter-server-proxy");
        var supervisorProxy = System.ActorOf(
            ClusterSingletonProxy.Props("/user/job-supervisor", ClusterSingletonProxySettings.Create(System).WithRole(coordinator)),
            "supervisor-proxy");
        // The entry of clients (on coordinators, through the receptionist) and of this node's dashboard, at
        // ClusterAddresses.SupervisorService: it answers status itself while the supervisor moves.
        var desk = System.ActorOf(Actors.SupervisorDesk.Props(supervisorProxy), "supervisor");
        if (Options.IsCoordinator)
        {
            ClusterClientReceptionist.Get(System).RegisterService(desk);
        }

        System.ActorOf(SupervisorReachability.Props(supervisorProxy), "supervisor-reachability");
        System.ActorOf(NodeStatsReporter.Props(), NodeStatsReporter.Name);
        if (Options.IsCoordinator)
        {
            System.ActorOf(CheckpointReplicator.Props(settings), CheckpointReplicator.Name);
            System.ActorOf(
                ClusterSingletonManager.Props(
                    ParameterServer.Props(supervisorProxy, settings),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(System).WithRole(coordinator)),
                "parameter-server");
            System.ActorOf(
                ClusterSingletonManager.Props(
                    JobSupervisor.Props(psProxy, settings),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(System).WithRole(coordinator)),
                "job-supervisor");
        }

        if (Options.IsWorker)
        {
            Gemm.SetThreads(Options.Threads);
            for (var i = 0; i < Options.WorkersPerNode; i++)
            {
                System.ActorOf(Worker.Props(psProxy, settings), $"worker-{i}");
            }
        }
    }
}
