using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// Cluster singleton (role coordinator) holding the running job's weights and optimizer state. Sync
/// mode: per step it sends the new weights to the workers that need them (one serialized update for
/// all), every worker its <see cref="ComputeStep"/>, sums the gradients in worker order as they come
/// in (with the step timeout), clips and applies. Workers that join are given streams at the next
/// step boundary; a worker lost mid-step aborts the step, the streams are re-cut over the others and
/// the step is redone from the same cursor.
/// </summary>
public sealed class ParameterServer : ReceiveActor, IWithTimers
{
    private const int MaxRefusals = 3;
    private const int MaxTimeoutsPerStep = 3;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _supervisor;
    private readonly RunSettings _settings;
    private readonly Transport _transport;
    private readonly SortedDictionary<string, IActorRef> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _endpoints = new(StringComparer.Ordinal);
    // The cluster member (address and incarnation uid) each worker was on when it registered, when known.
    private readonly Dictionary<string, UniqueAddress> _incarnations = new(StringComparer.Ordinal);
    private TrainingRun? _run;
    private (string JobId, long Step, int Count) _timeouts = (string.Empty, -1, 0);

    public ParameterServer(IActorRef supervisor, RunSettings settings)
    {
        _supervisor = supervisor;
        _settings = settings;
        _transport = new Transport(settings, Context.System);
        Receive<RegisterWorker>(OnRegister);
        Receive<Chunk>(c =>
        {
            if (_transport.OnChunk(c, Sender, Self) is { } message)
            {
                Handle(message);
            }
        });
        Receive<ChunkAck>(a => _transport.OnAck(a, Self));
        Receive<GradientResult>(OnGradient);
        Receive<StepRefused>(OnRefused);
        Receive<RangeSquares>(OnRangeSquares);
        Receive<WeightsReady>(OnWeightsReady);
        Receive<WeightUpdate>(OnGatheredWeights);
        Receive<StartRun>(OnStartRun);
        Receive<StopRun>(s =>
        {
            if (_run?.JobId == s.JobId)
            {
                EndRun();
            }
        });
        Receive<NextStep>(n =>
        {
            if (_run is { } run && run.JobId == n.JobId && !run.InFlight)
            {
                StartStep();
            }
        });
        Receive<StepTimeout>(OnStepTimeout);
        Receive<Terminated>(t => LoseWorkers(kv => kv.Value.Equals(t.ActorRef), "stopped"));
        Receive<ClusterEvent.UnreachableMember>(u => LoseWorkers(kv => OnMember(kv, u.Member), "unreachable"));
        Receive<ClusterEvent.MemberRemoved>(m => LoseWorkers(kv => OnMember(kv, m.Member), "removed"));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef supervisor, RunSettings settings)
        => Akka.Actor.Props.Create(() => new ParameterServer(supervisor, settings));

    protected override void PreStart()
        => Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>A restart loses the run's state, so the supervisor must hear that the job failed.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        if (_run is { } run)
        {
            _supervisor.Tell(new RunFailed(run.JobId, $"parameter server crashed: {reason.Message}"));
        }

        base.PreRestart(reason, message);
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case GradientResult g:
                OnGradient(g);
                break;
            case StepRefused r:
                OnRefused(r);
                break;
            case RangeSquares q:
                OnRangeSquares(q);
                break;
            case WeightsReady w:
                OnWeightsReady(w);
                break;
            case WeightUpdate u:
                OnGatheredWeights(u);
                break;
            default:
                _log.Warning("parameter server ignores {0}", message.GetType().Name);
                break;
        }
    }

    private void OnRegister(RegisterWorker r)
    {
        var previous = _incarnations.GetValueOrDefault(r.WorkerId);
        if (_workers.TryGetValue(r.WorkerId, out var known))
        {
            if (known.Equals(Sender))
            {
                _transport.Learn(Sender, r.DataEndpoint);
                _endpoints[r.WorkerId] = r.DataEndpoint;
                return;
            }

            // The same address, another actor: the worker's node restarted (a new incarnation) before the
            // cluster removed the old one, whose part of the step in flight will never come: re-cut now
            // rather than after the step timeout.
            LoseWorkers(kv => kv.Value.Equals(known), "restarted as a new incarnation", restartStep: false);
        }

        // After dropping an old incarnation (which forgets its endpoint): the new one's data endpoint.
        _transport.Learn(Sender, r.DataEndpoint);
        _endpoints[r.WorkerId] = r.DataEndpoint;
        _workers[r.WorkerId] = Sender;
        var address = Sender.Path.Address;
        var member = Akka.Cluster.Cluster.Get(Context.System).State.Members
            .FirstOrDefault(m => m.Address.Equals(address) && !m.UniqueAddress.Equals(previous));
        if (member is not null)
        {
            _incarnations[r.WorkerId] = member.UniqueAddress;
        }
        else
        {
            _incarnations.Remove(r.WorkerId);
        }

        Context.Watch(Sender);
        _log.Info("worker {0} registered ({1} workers)", r.WorkerId, _workers.Count);
        if (_run is { } run)
        {
            run.Forget(r.WorkerId);
            run.NeedsRecut = true;
            if (known is not null && run.Started && run.Slots.Any(s => s.WorkerId == r.WorkerId))
            {
                // Same id before and after the re-cut: say here that the worker left and came back.
                _supervisor.Tell(new RunMembership(run.JobId, r.WorkerId, false, _workers.Count - 1));
                _supervisor.Tell(new RunMembership(run.JobId, r.WorkerId, true, _workers.Count));
            }

            if (run.InFlight && known is not null)
            {
                run.Abort();
                StartStep();
            }
            else if (!run.Started && !run.InFlight)
            {
                StartStep();
            }
        }
    }

    /// <summary>
    /// True when the worker runs on <paramref name="member"/>: the same address and, when the worker's
    /// incarnation is known, the same one (the old incarnation of a restarted node is not its new one).
    /// </summary>
    private bool OnMember(KeyValuePair<string, IActorRef> worker, Member member)
        => worker.Value.Path.Address.Equals(member.Address)
            && (!_incarnations.TryGetValue(worker.Key, out var incarnation) || incarnation.Equals(member.UniqueAddress));

    /// <summary>
    /// Drops the workers <paramref name="match"/> selects; a step in flight that had work on one is
    /// aborted and (unless <paramref name="restartStep"/> is false: the caller restarts it) issued again, re-cut.
    /// </summary>
    private void LoseWorkers(Func<KeyValuePair<string, IActorRef>, bool> match, string why, bool restartStep = true)
    {
        var lost = _workers.Where(match).ToList();
        if (_run is { Sharded: true } sharded && lost.Any(l => sharded.Slots.Any(s => s.WorkerId == l.Key)) && sharded.SettleUnconfirmedCommit())
        {
            _log.Warning("job {0}: a worker was lost before every worker confirmed step {1}'s weights; training step {1} again", sharded.JobId, sharded.Step);
        }

        foreach (var (id, actor) in lost)
        {
            _workers.Remove(id);
            _endpoints.Remove(id);
            _incarnations.Remove(id);
            Context.Unwatch(actor);
            _transport.Forget(actor);
            _log.Warning("worker {0} {1} ({2} workers left)", id, why, _workers.Count);
            if (_run is { } run)
            {
                run.Forget(id);
                if (run.Slots.Any(s => s.WorkerId == id))
                {
                    run.NeedsRecut = true;
                }
            }
        }

        if (restartStep && lost.Count > 0 && _run is { NeedsRecut: true, InFlight: true } current)
        {
            current.Abort();
            StartStep();
        }
    }

    private void OnStartRun(StartRun start)
    {
        if (_run is not null)
        {
            EndRun();
        }

        try
        {
            _run = new TrainingRun(start);
        }
        catch (Exception e)
        {
            // Any failure to set up a run (a model too large to allocate, say) fails the job, never the actor.
            _supervisor.Tell(new RunFailed(start.JobId, e.Message));
            return;
        }

        if (start.Resume is not null)
        {
            // Resumed from an epoch-end checkpoint, the epoch's end may not have been reported yet: report it (again).
            _log.Info("job {0} resumes at epoch {1}, step {2}", start.JobId, _run.Epoch, _run.Step);
            Continue(_run);
            return;
        }

        StartStep();
    }

    private void StartStep()
    {
        var run = _run!;
        if (run.AfterStepPending)
        {
            AfterStep(run); // a gather for the last step's checkpoint or epoch end was cut short
            return;
        }

        if (run.NeedsRecut && !run.AsyncIdle && run.Slots.All(s => _workers.ContainsKey(s.WorkerId)))
        {
            // Async, a worker joined: the steps the slots finished are applied already; commit them all
            // before the streams move, so none is trained twice (a lost worker aborts instead).
            StartAsync(run);
            return;
        }

        if (run.NeedsRecut || run.Slots.Count == 0)
        {
            var needed = run.Started ? 1 : Math.Max(1, run.Job.Workers);
            if (_workers.Count < needed)
            {
                if (run.WaitingSince is null || run.WaitingFor != (_workers.Count, needed))
                {
                    run.WaitingFor = (_workers.Count, needed);
                    _supervisor.Tell(new RunWaiting(run.JobId, _workers.Count, needed));
                }

                run.WaitingSince ??= DateTime.UtcNow;
                if (DateTime.UtcNow - run.WaitingSince > _settings.WorkerWaitTimeout)
                {
                    Fail(run, $"only {_workers.Count} of {needed} workers available after {_settings.WorkerWaitTimeout.TotalSeconds:0} s");
                    return;
                }

                run.InFlight = false;
                Timers.StartSingleTimer("wait-workers", new NextStep(run.JobId), TimeSpan.FromMilliseconds(250));
                return;
            }

            if (run.WaitingSince is not null)
            {
                _supervisor.Tell(new RunWaiting(run.JobId, _workers.Count, null));
            }

            run.WaitingSince = null;
            run.WaitingFor = null;
            var before = run.Slots.Select(s => s.WorkerId).ToHashSet(StringComparer.Ordinal);
            run.Recut([.. _workers], _endpoints);
            var after = run.Slots.Select(s => s.WorkerId).ToHashSet(StringComparer.Ordinal);
            if (run.Started)
            {
                foreach (var left in before.Except(after))
                {
                    _supervisor.Tell(new RunMembership(run.JobId, left, false, after.Count));
                }

                foreach (var joined in after.Except(before))
                {
                    _supervisor.Tell(new RunMembership(run.JobId, joined, true, after.Count));
                }
            }

            _log.Info("job {0}: step {1} cut over {2} workers (generation {3})", run.JobId, run.Step, run.Slots.Count, run.Generation);
        }

        if (run.Sharded && !run.WeightsCurrent && run.NeedsFullWeights())
        {
            Gather(run); // a worker joined or lost its replica: it needs the weights the shards hold
            return;
        }

        if (run.Schedule is not null)
        {
            StartAsync(run);
            return;
        }

        run.Started = true;
        run.InFlight = true;
        run.BeginStep();
        run.Timings.StepStarting(_transport);
        run.Loop.StartClock();
        foreach (var (to, update) in run.WeightUpdates())
        {
            _transport.Broadcast(to, update, Self);
        }

        foreach (var slot in run.Slots)
        {
            _transport.Send(slot.Ref, run.StepFor(slot), Self);
        }

        run.Timings.StepIssued();
        Timers.StartSingleTimer("step-timeout", new StepTimeout(run.JobId, run.Generation, run.Step), _settings.StepTimeout * run.RoundWindows);
    }

    /// <summary>
    /// Async: commits the first uncommitted step if every slot has finished it (then reports it and
    /// comes back here through the next step), else sends every slot that may run its next step.
    /// </summary>
    private void StartAsync(TrainingRun run)
    {
        run.Started = true;
        run.Timings.StepStarting(_transport);
        run.Loop.StartClock();
        if (run.CommitAsync() is not null)
        {
            Finish(run);
            return;
        }

        run.InFlight = true;
        IssueAsync(run);
        run.Timings.StepIssued();
        Timers.StartSingleTimer("step-timeout", new StepTimeout(run.JobId, run.Generation, run.Step), _settings.StepTimeout);
    }

    /// <summary>Async: each slot that may start a step gets the weights it lacks and its step.</summary>
    private void IssueAsync(TrainingRun run)
    {
        foreach (var i in run.IssuableSlots())
        {
            var slot = run.Slots[i];
            if (run.AsyncWeightsFor(i) is { } update)
            {
                _transport.Send(slot.Ref, update, Self);
            }

            _transport.Send(slot.Ref, run.AsyncStepFor(i), Self);
        }
    }

    /// <summary>Async: applies the gradient at once; commits the oldest step when it was the last one missing, else lets its worker go on.</summary>
    private void OnAsyncGradient(TrainingRun run, GradientResult g)
    {
        if (g.JobId != run.JobId || g.Generation != run.Generation || !run.AwaitsAsync(g))
        {
            return;
        }

        run.Timings.GradientArrived(g);
        var updating = Stopwatch.GetTimestamp();
        try
        {
            run.AcceptAsync(g);
        }
        catch (Exception e)
        {
            Fail(run, e.Message);
            return;
        }

        run.Timings.AddUpdate(Stopwatch.GetTimestamp() - updating);
        if (!run.InFlight)
        {
            return; // between a commit and the next step: that step commits or issues
        }

        if (run.CommitAsync() is not null)
        {
            Finish(run);
            return;
        }

        IssueAsync(run);
    }

    private void OnGradient(GradientResult g)
    {
        if (_run is { Schedule: not null } asyncRun)
        {
            OnAsyncGradient(asyncRun, g);
            return;
        }

        if (_run is not { InFlight: true } run || g.JobId != run.JobId || g.Generation != run.Generation || g.Step != run.Step
            || !run.Slots.Any(s => s.WorkerId == g.WorkerId) || run.HasGradientFrom(g.WorkerId))
        {
            return;
        }

        run.Timings.GradientArrived(g);
        if (run.Sharded)
        {
            if (run.Accept(g))
            {
                CommitSharded(run);
            }

            return;
        }

        var updating = Stopwatch.GetTimestamp();
        try
        {
            if (!run.Accept(g))
            {
                run.Timings.AddUpdate(Stopwatch.GetTimestamp() - updating);
                return;
            }

            run.Apply();
        }
        catch (Exception e)
        {
            Fail(run, e.Message);
            return;
        }

        run.Timings.AddUpdate(Stopwatch.GetTimestamp() - updating);
        Finish(run);
    }

    private bool Current(TrainingRun run, string jobId, int generation) => run.JobId == jobId && run.Generation == generation;

    private void OnRangeSquares(RangeSquares q)
    {
        if (_run is not { InFlight: true } run || !Current(run, q.JobId, q.Generation) || q.Step != run.Step)
        {
            return;
        }

        bool complete;
        try
        {
            complete = run.AcceptSquares(q);
        }
        catch (InvalidOperationException e)
        {
            Fail(run, e.Message);
            return;
        }

        if (complete)
        {
            CommitSharded(run);
        }
    }

    private void OnWeightsReady(WeightsReady w)
    {
        if (_run is { } run && Current(run, w.JobId, w.Generation))
        {
            run.AcceptReady(w); // also between steps: the committed step's weights are confirmed while the next one runs
        }
    }

    /// <summary>Sharded: every result and every range's squares are in: the step is done (see <see cref="TrainingRun.ReadyToCommit"/>).</summary>
    private void CommitSharded(TrainingRun run)
    {
        run.Commit();
        Finish(run);
    }

    /// <summary>A step is done: reports it, then its checkpoint and epoch end (see <see cref="AfterStep"/>).</summary>
    private void Finish(TrainingRun run)
    {
        Timers.Cancel("step-timeout");
        run.Timings.StepCompleted(_transport);
        run.Loop.StopClock();
        _supervisor.Tell(new RunProgress(run.JobId, run.Loop.Progress(run.Slots.Count), run.Timings.Summary(), run.Timings.LastStep));
        run.AfterStepPending = true;
        AfterStep(run);
    }

    /// <summary>After a step: the checkpoint if due, the epoch's end, the next step; gathers the weights from a worker first when they are needed here and stale (sharded).</summary>
    private void AfterStep(TrainingRun run)
    {
        if ((run.CheckpointDue || run.EpochDone || run.StepsExhausted) && !run.WeightsCurrent)
        {
            Gather(run);
            return;
        }

        run.AfterStepPending = false;
        if (run.CheckpointDue)
        {
            _supervisor.Tell(new RunCheckpoint(run.JobId, run.Snapshot()));
        }

        Continue(run);
    }

    /// <summary>
    /// Sharded: asks a worker that holds the current weights for them. When no worker does (every one
    /// that did is gone), the run goes back to its last gather and trains the steps since again.
    /// </summary>
    private void Gather(TrainingRun run)
    {
        if (run.HolderOfCurrentWeights() is not { } holder || !_workers.TryGetValue(holder, out var worker))
        {
            _log.Warning("job {0}: no worker holds weights version {1}; training again from the last gathered version", run.JobId, run.Version);
            run.RestoreLastGathered();
            run.NeedsRecut = true;
            Self.Tell(new NextStep(run.JobId));
            return;
        }

        run.Gathering = true;
        run.GatherFrom = holder;
        run.InFlight = true;
        _transport.Send(worker, new SendWeights(run.JobId, run.Version), Self);
        Timers.StartSingleTimer("step-timeout", new StepTimeout(run.JobId, run.Generation, run.Step), _settings.StepTimeout);
    }

    private void OnGatheredWeights(WeightUpdate u)
    {
        if (_run is not { Gathering: true } run || u.JobId != run.JobId || !run.AcceptWeights(u))
        {
            return;
        }

        Timers.Cancel("step-timeout");
        run.InFlight = false;
        if (run.AfterStepPending)
        {
            AfterStep(run);
        }
        else
        {
            StartStep();
        }
    }

    /// <summary>Between steps: ends the epoch (or the run) when its last window is done, else asks for the next step.</summary>
    private void Continue(TrainingRun run)
    {
        if (run.EpochDone || run.StepsExhausted)
        {
            var final = run.Final;
            _supervisor.Tell(new RunEpochEnd(run.JobId, run.Loop.EpochEnded(double.NaN),
                run.TokensExpected, (float[])run.Weights.Clone(), final, run.Step, run.Loop.TokensPerSecond,
                run.TrainSeconds, run.Slots.Count,
                final ? run.Optimizer.State.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone()) : new Dictionary<string, float[]>(),
                run.TotalTokens, run.WorkerPeakRssMb, run.Timings.Summary(),
                run.Schedule?.Observed));
            if (final)
            {
                EndRun();
                return;
            }

            run.NextEpoch();
        }

        Self.Tell(new NextStep(run.JobId));
    }

    private void OnRefused(StepRefused r)
    {
        if (_run is not { InFlight: true } run || r.JobId != run.JobId || r.Generation != run.Generation)
        {
            return;
        }

        _log.Warning("worker {0} refused step {1}: {2}", r.WorkerId, r.Step, r.Reason);
        if (++run.Refusals > MaxRefusals)
        {
            Fail(run, $"worker {r.WorkerId} cannot compute step {r.Step}: {r.Reason}");
            return;
        }

        run.Forget(r.WorkerId);
        run.Abort();
        StartStep();
    }

    private void OnStepTimeout(StepTimeout t)
    {
        if (_run is not { InFlight: true } run || t.JobId != run.JobId || t.Generation != run.Generation || t.Step != run.Step)
        {
            return;
        }

        _timeouts = _timeouts.JobId == run.JobId && _timeouts.Step == run.Step ? _timeouts with { Count = _timeouts.Count + 1 } : (run.JobId, run.Step, 1);
        if (_timeouts.Count > MaxTimeoutsPerStep)
        {
            Fail(run, $"step {run.Step} timed out {_timeouts.Count} times ({_settings.StepTimeout.TotalSeconds:F0} s each): the workers are too slow for rnncluster.step-timeout; raise it or use a smaller model");
            return;
        }

        var missing = (run.Gathering ? [run.GatherFrom] : run.Missing()).ToHashSet(StringComparer.Ordinal);
        run.NeedsRecut |= run.Gathering; // the step (or the gather) is started over without them
        _log.Warning("job {0} step {1}: no gradient from {2} within {3}; dropping them", run.JobId, run.Step, string.Join(", ", missing), _settings.StepTimeout);
        LoseWorkers(kv => missing.Contains(kv.Key), "timed out");
    }

    private void Fail(TrainingRun run, string reason)
    {
        _supervisor.Tell(new RunFailed(run.JobId, reason));
        EndRun();
    }

    private void EndRun()
    {
        if (_run is null)
        {
            return;
        }

        var release = new ReleaseJob(_run.JobId);
        foreach (var worker in _workers.Values)
        {
            worker.Tell(release, Self);
        }

        Timers.CancelAll();
        _run = null;
    }

    private sealed record NextStep(string JobId);

    private sealed record StepTimeout(string JobId, int Generation, long Step);
}
