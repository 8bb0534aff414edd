using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Checkpoints;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// One on every coordinator node, at <c>/user/checkpoint-replicas</c>: copies the job supervisor's
/// checkpoints to the other coordinators over the cluster, so that when the supervisor moves (its
/// coordinator died or was cut off) the next one resumes the running jobs from its own disk — no
/// shared file system needed.
/// <para>
/// On the supervisor's node it is told <see cref="ReplicateCheckpoint"/> after each checkpoint write and
/// sends the file (<see cref="CheckpointReplica"/>: chunked over remoting, ~0.2 s for PTB small's 40 MB
/// per peer) to every other coordinator's replicator, and again to a coordinator that joins later;
/// <see cref="JobStateChanged"/> (accepted, ended) goes to all of them. On the others it writes each
/// replica atomically to <c>&lt;checkpoint-dir&gt;/replicas/&lt;job-id&gt;.rnnc</c> (never over a
/// later step), renames it <c>&lt;job-id&gt;.&lt;state&gt;.rnnc</c> when the job ends, and remembers
/// the highest job number seen and the jobs not yet ended (<see cref="Known"/>) so a supervisor starting here never
/// reuses an id; it also tells a coordinator that joins later which jobs ended, so a running job's
/// file it kept from before a partition is marked ended instead of resumed. A coordinator without a <c>--checkpoint-dir</c> keeps no replicas (it says so once).
/// </para>
/// </summary>
public sealed class CheckpointReplicator : ReceiveActor
{
    /// <summary>The actor's name under /user.</summary>
    public const string Name = "checkpoint-replicas";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly Transport _transport;
    private readonly string? _dir;
    private readonly Dictionary<Address, IActorRef> _peers = [];

    // The coordinators this cluster has had, for coordinators.txt, from this actor's own MemberUp events
    // (the cluster's read view, Cluster.State, can still show a member as joining when its MemberUp
    // arrives here). Never shrunk on MemberRemoved: when a whole cluster stops, the last coordinator
    // would otherwise remember only itself and found a second cluster when all restart together. A node
    // started without --seeds (restarted from this file) starts from the file's list; one given --seeds
    // starts afresh, which is how a coordinator gone for good leaves the list.
    private readonly HashSet<Address> _coordinators = [];
    private readonly Dictionary<string, ReplicateCheckpoint> _replicated = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _stepWritten = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JobStateChanged> _ended = new(StringComparer.Ordinal);
    private Task _writes = Task.CompletedTask;
    private readonly HashSet<string> _unfinished = new(StringComparer.Ordinal);
    private int _highestJobNumber;
    private bool _saidNoDirectory;

    public CheckpointReplicator(RunSettings settings)
    {
        _dir = settings.CheckpointDir;
        _transport = new Transport(settings);
        if (_dir is not null && _cluster.Settings.SeedNodes.Count == 0)
        {
            _coordinators.UnionWith(KnownCoordinators.Others(_dir, _cluster.SelfAddress));
        }

        RecordSelf();

        Receive<ClusterEvent.MemberUp>(up =>
        {
            Identify(up.Member);
            if (up.Member.HasRole(NodeOptions.CoordinatorRole) && _coordinators.Add(up.Member.Address))
            {
                RecordCoordinators();
            }
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            Forget(removed.Member.Address);
        });
        Receive<ActorIdentity>(OnIdentity);
        Receive<Terminated>(t => Forget(t.ActorRef.Path.Address));
        Receive<ReplicateCheckpoint>(OnReplicate);
        Receive<CheckpointReplica>(OnReplica);
        Receive<JobStateChanged>(OnJobStateChanged);
        Receive<KnownJobsQuery>(_ => Sender.Tell(new KnownJobs(_highestJobNumber, [.. _unfinished], [.. _ended.Values.Select(e => e.Final).OfType<JobStatus>()])));
        Receive<Chunk>(c =>
        {
            if (_transport.OnChunk(c, Sender, Self) is { } message)
            {
                Self.Tell(message, Sender);
            }
        });
        Receive<ChunkAck>(a => _transport.OnAck(a, Self));
    }

    public static Props Props(RunSettings settings) => Akka.Actor.Props.Create(() => new CheckpointReplicator(settings));

    /// <summary>
    /// What this node's replicator has heard of jobs: the highest job number accepted anywhere (0: none) and
    /// the jobs accepted and not yet ended; asked by a starting job supervisor, which waits at most
    /// <paramref name="timeout"/> (no answer: nothing known).
    /// </summary>
    public static KnownJobs Known(ActorSystem system, TimeSpan timeout)
    {
        try
        {
            return system.ActorSelection("/user/" + Name).Ask<KnownJobs>(KnownJobsQuery.Instance, timeout).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is AskTimeoutException or ActorNotFoundException or TaskCanceledException)
        {
            return new KnownJobs(0, [], []);
        }
    }

    protected override void PreStart()
        => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Identify(Member member)
    {
        if (member.Address != _cluster.SelfAddress && member.HasRole(NodeOptions.CoordinatorRole))
        {
            Context.ActorSelection(new RootActorPath(member.Address) / "user" / Name).Tell(new Identify(member.Address));
        }
    }

    private void OnIdentity(ActorIdentity identity)
    {
        if (identity.Subject is not { } peer || _peers.ContainsKey(peer.Path.Address))
        {
            return;
        }

        _peers[peer.Path.Address] = peer;
        Context.Watch(peer);

        // A coordinator that joins (or rejoins after a partition) learns the jobs that ended, so a file of
        // its own from before is never resumed, and gets the running jobs' latest checkpoints at once.
        foreach (var ended in _ended.Values)
        {
            _transport.Send(peer, ended, Self);
        }

        foreach (var latest in _replicated.Values)
        {
            Send([peer], latest);
        }
    }

    /// <summary>Records this node as its checkpoint directory's coordinator (its earlier addresses are no others to wait for).</summary>
    private void RecordSelf()
    {
        if (_dir is null)
        {
            return;
        }

        try
        {
            KnownCoordinators.RecordSelf(_dir, _cluster.SelfAddress);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("this coordinator's address could not be recorded in {0}: {1}", _dir, e.Message);
        }
    }

    /// <summary>Keeps <see cref="KnownCoordinators"/> in this node's checkpoint directory up to date.</summary>
    private void RecordCoordinators()
    {
        if (_dir is null || _coordinators.Count == 0)
        {
            return;
        }

        try
        {
            KnownCoordinators.Write(_dir, _coordinators);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("the coordinators of this cluster could not be recorded in {0}: {1}", _dir, e.Message);
        }
    }

    private void Forget(Address address)
    {
        if (_peers.Remove(address, out var peer))
        {
            Context.Unwatch(peer);
            _transport.Forget(peer);
        }
    }

    private void OnReplicate(ReplicateCheckpoint replicate)
    {
        _replicated[replicate.JobId] = replicate;
        Send([.. _peers.Values], replicate);
    }

    private void Send(IReadOnlyList<IActorRef> peers, ReplicateCheckpoint latest)
    {
        if (peers.Count == 0)
        {
            return;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(latest.Path);
        }
        catch (FileNotFoundException)
        {
            return; // the job ended meanwhile: its file was renamed, and the end goes to the peers
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("checkpoint {0} of {1} not replicated: {2}", latest.Path, latest.JobId, e.Message);
            return;
        }

        _transport.Broadcast(peers, new CheckpointReplica(latest.JobId, latest.Step, bytes), Self);
    }

    private void OnReplica(CheckpointReplica replica)
    {
        Note(replica.JobId);
        if (ReplicaDirectory() is not { } dir || (_stepWritten.TryGetValue(replica.JobId, out var written) && written > replica.Step))
        {
            return;
        }

        _stepWritten[replica.JobId] = replica.Step;
        var path = JobCheckpoints.PathFor(dir, replica.JobId);
        var log = _log;
        _writes = _writes.Then(
            () =>
            {
                try
                {
                    AtomicFile.Write(path, stream => stream.Write(replica.Bytes));
                    log.Debug("replica of {0} at step {1} written to {2}", replica.JobId, replica.Step, path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    log.Warning("replica of {0}'s checkpoint not written to {1}: {2}", replica.JobId, path, e.Message);
                }
            });
    }

    private void OnJobStateChanged(JobStateChanged change)
    {
        Note(change.JobId);
        var fromThisNode = !Sender.Path.Address.HasGlobalScope;
        if (fromThisNode)
        {
            // From this node's supervisor: tell every other coordinator.
            _transport.Broadcast([.. _peers.Values], change, Self);
        }

        if (change.State is JobStates.Queued or JobStates.Running)
        {
            _unfinished.Add(change.JobId);
            if (!fromThisNode && change.JobJson is { } jobJson && ReplicaDirectory() is { } replicas)
            {
                var accepted = _log;
                _writes = _writes.Then(
                    () =>
                    {
                        try
                        {
                            AcceptedJobs.Write(replicas, change.JobId, jobJson, change.ResumeFrom);
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                        {
                            accepted.Warning("the record of {0} could not be kept in {1}: {2}", change.JobId, replicas, e.Message);
                        }
                    });
            }

            return;
        }

        _unfinished.Remove(change.JobId);
        _replicated.Remove(change.JobId);
        _stepWritten.Remove(change.JobId);
        _ended[change.JobId] = change;
        if (ReplicaDirectory() is not { } dir)
        {
            return;
        }

        // The replica, and (when another node's supervisor ran the job to its end) a file of this node's
        // own from a time its supervisor ran the job, are never resumed.
        string[] paths = fromThisNode
            ? [JobCheckpoints.PathFor(dir, change.JobId)]
            : [JobCheckpoints.PathFor(dir, change.JobId), JobCheckpoints.PathFor(_dir!, change.JobId)];
        var log = _log;
        _writes = _writes.Then(
            () =>
            {
                foreach (var path in paths)
                {
                    try
                    {
                        JobCheckpoints.MarkEnded(path, change.State);
                        AcceptedJobs.MarkEnded(Path.GetDirectoryName(path)!, change.JobId, change.State, change.Final);
                    }
                    catch (FileNotFoundException)
                    {
                        // renamed meanwhile by the supervisor of a coordinator sharing this directory
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        log.Warning("replica {0} could not be marked {1}: {2}", path, change.State, e.Message);
                    }
                }
            });
    }

    private void Note(string jobId)
    {
        if (JobCheckpoints.JobNumber(jobId) is { } n && n > _highestJobNumber)
        {
            _highestJobNumber = n;
        }
    }

    private string? ReplicaDirectory()
    {
        if (_dir is not null)
        {
            return JobCheckpoints.ReplicaDirectory(_dir);
        }

        if (!_saidNoDirectory)
        {
            _saidNoDirectory = true;
            _log.Warning("this coordinator has no --checkpoint-dir, so it keeps no copies of the job supervisor's checkpoints: if the supervisor moves here, running jobs cannot be resumed (give every coordinator a --checkpoint-dir)");
        }

        return null;
    }
}

/// <summary>Job supervisor → its node's replicator: the job's checkpoint of training step <paramref name="Step"/> was just written to <paramref name="Path"/>.</summary>
internal sealed record ReplicateCheckpoint(string JobId, string Path, long Step);

/// <summary>Asks a replicator what it has heard of jobs (answer: <see cref="KnownJobs"/>).</summary>
internal sealed class KnownJobsQuery
{
    public static readonly KnownJobsQuery Instance = new();

    private KnownJobsQuery()
    {
    }
}

/// <summary>
/// The highest job number accepted anywhere in the cluster (0: none), the jobs accepted and not yet
/// ended, and the final status of the jobs that ended, as a replicator heard them.
/// </summary>
public sealed record KnownJobs(int HighestJobNumber, IReadOnlyList<string> Unfinished, IReadOnlyList<JobStatus> Ended);
