using System.Globalization;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// Cluster singleton (role coordinator) that accepts, queues and runs jobs one at a time. A submitted
/// job is validated and its corpus loaded (off the actor thread) before it is accepted; the parameter
/// server trains it; the supervisor validates at epoch ends, writes --out, and reports to watchers.
/// With a checkpoint directory (the job's, else the node's) it writes each running job's checkpoint
/// (<see cref="JobCheckpoints"/>), and on start it resumes the jobs whose checkpoints in the node's
/// directory are still marked running: after the oldest coordinator died, the new instance carries on.
/// </summary>
public sealed class JobSupervisor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _parameterServer;
    private readonly Dictionary<string, JobRecord> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JobStatus> _endedEarlier = new(StringComparer.Ordinal); // ended under an earlier supervisor (another coordinator, or before a restart)
    private readonly List<string> _order = [];
    private readonly Queue<string> _queue = new();
    private readonly string? _checkpointDir;
    private string? _running;
    private int _nextId;

    public JobSupervisor(IActorRef parameterServer, RunSettings settings)
    {
        _checkpointDir = settings.CheckpointDir;
        _parameterServer = parameterServer;
        Receive<SubmitJob>(OnSubmit);
        Receive<CorpusLoaded>(OnCorpusLoaded);
        Receive<ResumeLoaded>(OnResumeLoaded);
        Receive<RunCheckpoint>(OnCheckpoint);
        Receive<CheckpointNotWritten>(OnCheckpointNotWritten);
        Receive<GetStatus>(_ => Sender.Tell(Status()));
        Receive<WatchJob>(OnWatch);
        Receive<CancelJob>(OnCancel);
        Receive<RunProgress>(OnProgress);
        Receive<RunEpochEnd>(OnEpochEnd);
        Receive<EpochEvaluated>(OnEvaluated);
        Receive<RunFailed>(f => Finish(f.JobId, JobStates.Failed, new JobFailed(f.JobId, f.Reason), f.Reason));
        Receive<FinalEventReady>(r =>
        {
            if (_jobs.TryGetValue(r.JobId, out var job) && job.FinalEvent is null)
            {
                PublishFinal(job, r.Final);
            }
        });
        Receive<RunWaiting>(w =>
        {
            if (_jobs.TryGetValue(w.JobId, out var job) && !job.IsFinal)
            {
                job.Reason = w.Needed is { } needed ? $"waiting for {needed} worker(s), {w.Available} up" : null;
            }
        });
        Receive<RunMembership>(m =>
        {
            if (_jobs.TryGetValue(m.JobId, out var job) && !job.IsFinal)
            {
                job.Workers = m.Workers;
                Publish(job, new JobMemberEvent(m.JobId, m.Worker, m.Joined, m.Workers));
            }
        });
        Receive<Terminated>(t =>
        {
            foreach (var job in _jobs.Values)
            {
                job.Watchers.Remove(t.ActorRef);
            }
        });
    }

    /// <summary>This node's <see cref="CheckpointReplicator"/> (every coordinator has one).</summary>
    private ActorSelection Replicator => Context.ActorSelection("/user/" + CheckpointReplicator.Name);

    public static Props Props(IActorRef parameterServer, RunSettings settings)
        => Akka.Actor.Props.Create(() => new JobSupervisor(parameterServer, settings));

    protected override void PreStart()
    {
        // Ids stay unique across supervisor incarnations: the numbers this node's replicator has seen
        // accepted anywhere, and every checkpoint file of this node's directory.
        var known = CheckpointReplicator.Known(Context.System, TimeSpan.FromSeconds(2));
        _nextId = known.HighestJobNumber;
        if (_checkpointDir is { } dir)
        {
            ResumeFrom(dir);
        }

        // Jobs that ended under an earlier supervisor (on another coordinator, or before the whole cluster
        // restarted: their records in the checkpoint directory) stay in the status.
        var endedOnRecord = _checkpointDir is { } records ? AcceptedJobs.Ended(records) : [];
        foreach (var ended in known.Ended.Concat(endedOnRecord).Where(s => !_jobs.ContainsKey(s.Id)))
        {
            _endedEarlier.TryAdd(ended.Id, ended);
        }

        // Jobs that ran under the previous supervisor and cannot go on here are listed as failed with
        // the reason, rather than disappearing.
        foreach (var lost in known.Unfinished.Where(id => !_jobs.ContainsKey(id)).OrderBy(JobCheckpoints.JobNumber))
        {
            var reason = _checkpointDir is null
                ? "its job supervisor moved to a coordinator without --checkpoint-dir, which holds no checkpoint to resume it from; submit it again (give every coordinator a --checkpoint-dir)"
                : "its job supervisor moved to this coordinator, which holds no checkpoint of it (it had written none yet, or it was not replicated here); submit it again";
            var record = new JobRecord(lost, new JobDefinition(), null) { Started = DateTime.UtcNow };
            _jobs[lost] = record;
            _order.Add(lost);
            _log.Warning("{0} cannot be resumed: {1}", lost, reason);
            Finish(lost, JobStates.Failed, new JobFailed(lost, reason), reason);
        }
    }

    /// <summary>Takes up the running jobs whose checkpoints are in <paramref name="dir"/> or its replica directory.</summary>
    private void ResumeFrom(string dir)
    {
        _nextId = Math.Max(_nextId, Math.Max(JobCheckpoints.HighestJobNumber(dir), AcceptedJobs.HighestJobNumber(dir)));
        foreach (var stale in AtomicFile.RemoveStaleTemporaries(dir).Concat(AtomicFile.RemoveStaleTemporaries(JobCheckpoints.ReplicaDirectory(dir))))
        {
            _log.Info("removed {0}, left by a checkpoint write whose process was killed", stale);
        }

        // Read here so the job is known (status, watch) at once; one read is ~0.1 s for the PTB small model.
        var resumable = JobCheckpoints.LatestRunning(dir, out var unreadable);
        foreach (var found in resumable)
        {
            var id = found.JobId;
            var job = found.Job;
            var snapshot = found.Snapshot;

            // A replica came from another host: the job's own --checkpoint-dir may not exist here.
            var writeTo = job.CheckpointDir is { } own && Directory.Exists(own) ? own : dir;
            var record = new JobRecord(id, job, null)
            {
                CheckpointPath = JobCheckpoints.PathFor(writeTo, id),
                Resume = snapshot,
                Started = found.Started ?? DateTime.UtcNow - TimeSpan.FromSeconds(snapshot.TrainSeconds),
            };
            record.Progress = record.Progress with { Epoch = snapshot.Epoch, Step = snapshot.Step };
            _jobs[id] = record;
            _order.Add(id);
            _queue.Enqueue(id); // in job order: StartNext waits for the head's data
            _log.Info("resuming {0} from {1} (epoch {2}, step {3})", id, found.Path, snapshot.Epoch, snapshot.Step);
            var checkpoint = found.Checkpoint;
            Task.Run(() => LoadCorpus(job, checkpoint)).PipeTo(Self, success: data => new ResumeLoaded(id, data, null),
                failure: e => new ResumeLoaded(id, null, Describe(e)));
        }

        foreach (var (path, error) in unreadable)
        {
            _log.Warning("cannot resume from {0}: {1}", path, error);
        }

        RequeueUnstarted(dir);
    }

    /// <summary>
    /// Queues again the jobs <paramref name="dir"/> records as accepted that have no checkpoint yet (they
    /// were queued, or running before their first checkpoint, when the cluster stopped): from their
    /// beginning, or from the checkpoint their <c>submit --resume</c> named.
    /// </summary>
    private void RequeueUnstarted(string dir)
    {
        var unstarted = AcceptedJobs.Unstarted(dir, out var unreadable);
        foreach (var (id, jobJson, resumeFrom) in unstarted)
        {
            if (_jobs.ContainsKey(id))
            {
                continue;
            }

            JobDefinition job;
            TrainingSnapshot? resume = null;
            Checkpoint? checkpoint = null;
            try
            {
                job = JobDefinition.FromJson(jobJson);
                if (resumeFrom is not null)
                {
                    var read = JobCheckpoints.Read(resumeFrom);
                    (job, resume, checkpoint) = (read.Job, read.Snapshot, read.Checkpoint);
                }
            }
            catch (Exception e) when (e is ArgumentException or CheckpointException or IOException)
            {
                _log.Warning("cannot queue {0} again from {1}: {2}", id, AcceptedJobs.PathFor(dir, id), e.Message);
                continue;
            }

            var record = new JobRecord(id, job, null) { CheckpointPath = JobCheckpoints.PathFor(job.CheckpointDir ?? dir, id), Resume = resume };
            if (resume is not null)
            {
                record.Started = DateTime.UtcNow;
                record.Progress = record.Progress with { Epoch = resume.Epoch, Step = resume.Step };
            }

            _jobs[id] = record;
            _order.Add(id);
            _queue.Enqueue(id);
            _log.Info("queuing {0} again: it was accepted before the cluster stopped and had no checkpoint yet, so it starts {1}", id,
                resume is null ? "from its beginning" : $"from {resumeFrom} (epoch {resume.Epoch}, step {resume.Step}), as submitted");
            Task.Run(() => checkpoint is null ? LoadCorpus(job) : LoadCorpus(job, checkpoint)).PipeTo(Self, success: data => new ResumeLoaded(id, data, null),
                failure: e => new ResumeLoaded(id, null, Describe(e)));
        }

        foreach (var (path, error) in unreadable)
        {
            _log.Warning("cannot queue again the job of {0}: {1}", path, error);
        }
    }

    private static JobData LoadCorpus(JobDefinition job) => JobData.Load(job);

    /// <summary>The job's data for a checkpoint that was trained on it.</summary>
    /// <exception cref="ArgumentException">When the data gives another model, vocabulary or labels than the checkpoint's (the corpus changed).</exception>
    private static JobData LoadCorpus(JobDefinition job, Checkpoint checkpoint)
    {
        var data = LoadCorpus(job);
        return data.Recorded(job).Matches(checkpoint)
            ? data
            : throw new ArgumentException("the corpus's vocabulary is not the checkpoint's (was the corpus changed?)");
    }

    /// <summary>
    /// Reads a job checkpoint and its corpus for <c>submit --resume</c> (off the actor thread).
    /// </summary>
    /// <exception cref="ArgumentException">When the file is no job checkpoint, its job is invalid, or the corpus's vocabulary is not the checkpoint's.</exception>
    private static CorpusLoaded LoadForResume(string path)
    {
        if (!path.EndsWith(JobCheckpoints.Extension, StringComparison.Ordinal))
        {
            throw new ArgumentException($"a job checkpoint ends in {JobCheckpoints.Extension} (a model written by --out cannot be resumed: it has no streams' state)");
        }

        if (Path.GetFileName(path).EndsWith($".{JobStates.Completed}{JobCheckpoints.Extension}", StringComparison.Ordinal))
        {
            throw new ArgumentException("its job completed: there is nothing left to train (resume a failed or cancelled job's checkpoint)");
        }

        var (_, _, job, snapshot, checkpoint, _) = JobCheckpoints.Read(path);
        job.ValidateForCluster();
        job.CheckOutputPaths();
        return new CorpusLoaded(job, LoadCorpus(job, checkpoint), null, ActorRefs.Nobody, snapshot);
    }

    private void OnSubmit(SubmitJob submit)
    {
        if (submit.ResumeFrom is { } checkpoint)
        {
            var requester = Sender;
            Task.Run(() => LoadForResume(checkpoint)).PipeTo(Self, success: loaded => loaded with { ReplyTo = requester, ResumeFrom = checkpoint },
                failure: e => new CorpusLoaded(new JobDefinition(), null, $"cannot resume from {checkpoint}: {Describe(e)}", requester));
            return;
        }

        JobDefinition job;
        try
        {
            job = JobDefinition.FromJson(submit.JobJson);
            job.ValidateForCluster();
            job.CheckOutputPaths();
            if (job.CheckpointEvery > 0 && job.CheckpointDir is null && _checkpointDir is null)
            {
                throw new ArgumentException($"--checkpoint-every {job.CheckpointEvery}: this coordinator has no --checkpoint-dir and the job names none, so no checkpoint would be written; give the job --checkpoint-dir DIR (a directory on the coordinator's machine), or start the coordinator with one");
            }
        }
        catch (ArgumentException e)
        {
            Sender.Tell(new JobRejected(e.Message));
            return;
        }

        var replyTo = Sender;
        Task.Run(() => LoadCorpus(job)).PipeTo(Self, success: data => new CorpusLoaded(job, data, null, replyTo),
            failure: e => new CorpusLoaded(job, null, Describe(e), replyTo));
    }

    private static string Describe(Exception e)
    {
        var inner = e is AggregateException { InnerException: { } i } ? i : e;
        return inner.Message;
    }

    private void OnCorpusLoaded(CorpusLoaded loaded)
    {
        if (loaded.Dataset is not { } data)
        {
            loaded.ReplyTo.Tell(new JobRejected(loaded.Error ?? "the corpus could not be loaded"));
            return;
        }

        var id = string.Create(CultureInfo.InvariantCulture, $"job-{++_nextId}");
        var dir = loaded.Job.CheckpointDir ?? _checkpointDir;
        var record = new JobRecord(id, loaded.Job, data) { CheckpointPath = dir is null ? null : JobCheckpoints.PathFor(dir, id), Resume = loaded.Resume };
        if (loaded.Resume is { } resume)
        {
            record.Started = DateTime.UtcNow;
            record.Progress = record.Progress with { Epoch = resume.Epoch, Step = resume.Step };
            _log.Info("{0} continues a checkpointed job at epoch {1}, step {2}", id, resume.Epoch, resume.Step);
        }

        _jobs[id] = record;
        _order.Add(id);
        _queue.Enqueue(id);
        _log.Info("accepted {0} ({1})", id, data.Describe());
        if (_checkpointDir is { } recordDir)
        {
            try
            {
                AcceptedJobs.Write(recordDir, id, loaded.Job.ToJson(), loaded.ResumeFrom);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Warning("{0} is accepted, but its record could not be written to {1} ({2}): until its first checkpoint, a restart of the cluster would lose it", id, recordDir, e.Message);
            }
        }

        Replicator.Tell(new JobStateChanged(id, JobStates.Queued, JobJson: loaded.Job.ToJson(), ResumeFrom: loaded.ResumeFrom), Self);
        loaded.ReplyTo.Tell(new JobAccepted(id, loaded.Job.Task));
        StartNext();
    }

    private void OnResumeLoaded(ResumeLoaded loaded)
    {
        if (!_jobs.TryGetValue(loaded.JobId, out var job) || job.IsFinal)
        {
            return;
        }

        if (loaded.Error is { } error)
        {
            Finish(job.Id, JobStates.Failed, new JobFailed(job.Id, $"cannot resume: {error}"), $"cannot resume: {error}");
            return;
        }

        job.Data = loaded.Dataset; // queued when it was taken up, in job order
        StartNext();
    }

    private void OnCheckpoint(RunCheckpoint checkpoint)
    {
        if (!_jobs.TryGetValue(checkpoint.JobId, out var job) || job.IsFinal || job.Data?.Recorded(job.Job) is not { } data || job.CheckpointPath is not { } path)
        {
            return;
        }

        var self = Self;
        var replicator = Replicator;
        job.Checkpoints = job.Checkpoints.Then(
            () =>
            {
                try
                {
                    JobCheckpoints.Write(path, job.Id, job.Job, data, checkpoint.Snapshot, job.Started);
                    replicator.Tell(new ReplicateCheckpoint(job.Id, path, checkpoint.Snapshot.Step), self);
                }
                catch (Exception e) when (e is CheckpointException or ArgumentException)
                {
                    self.Tell(new CheckpointNotWritten(job.Id, checkpoint.Snapshot.Step, e.Message));
                }
            });
    }

    /// <summary>
    /// A job whose checkpoint cannot be written fails at once rather than train on unsaved: the user
    /// was promised a checkpoint, and any earlier one is kept (writes are atomic).
    /// </summary>
    private void OnCheckpointNotWritten(CheckpointNotWritten failure)
    {
        var kept = _jobs.TryGetValue(failure.JobId, out var job) && job.CheckpointPath is { } path && File.Exists(path)
            ? $"; its last checkpoint is kept as {Path.ChangeExtension(path, "." + JobStates.Failed + JobCheckpoints.Extension)}: once the disk is fixed, continue it with `rnncluster submit --resume` that path"
            : "; fix the --checkpoint-dir and submit the job again";
        var reason = $"checkpoint at step {failure.Step} not written: {failure.Error}{kept}";
        Finish(failure.JobId, JobStates.Failed, new JobFailed(failure.JobId, reason), reason);
    }

    private void StartNext()
    {
        while (_running is null && _queue.TryPeek(out var id))
        {
            var job = _jobs[id];
            if (job.State == JobStates.Queued && job.Data is null)
            {
                break; // taken up after a restart, its data still loading: the jobs behind it wait, so they run in job order
            }

            _queue.Dequeue();
            if (job.State != JobStates.Queued || job.Data is null)
            {
                continue;
            }

            try
            {
                var spec = job.Data.Spec(job.Job);
                job.State = JobStates.Running;
                if (job.Resume is null)
                {
                    job.Started = DateTime.UtcNow;
                }
                _running = id;
                Context.System.EventStream.Publish(new JobRunStarted(id, $"{spec.Cell.Name()} {spec.Layers}x{spec.Hidden}",
                    JobDatasets.OptimalPerplexity(job.Job), job.Resume is not null, job.Job.ToJson()));
                _parameterServer.Tell(new StartRun(id, job.Job, spec, job.Data, job.CheckpointPath is not null, job.Resume));
                job.Resume = null;
            }
            catch (ArgumentException e)
            {
                Finish(id, JobStates.Failed, new JobFailed(id, e.Message), e.Message);
            }
        }
    }

    private void OnProgress(RunProgress p)
    {
        if (!_jobs.TryGetValue(p.JobId, out var job) || job.IsFinal)
        {
            return;
        }

        job.Progress = p.Report;
        job.Workers = p.Report.Workers;
        job.Timings = p.Timings ?? job.Timings;
        Publish(job, new JobProgress(p.JobId, p.Report, p.LastStep));
    }

    private void OnEpochEnd(RunEpochEnd end)
    {
        if (!_jobs.TryGetValue(end.JobId, out var job) || job.IsFinal || job.Data is not { } data)
        {
            return;
        }

        var self = Self;
        var spec = data.Spec(job.Job);

        // After the checkpoints asked for so far (this epoch end's among them: a reported epoch is on disk);
        // later checkpoints do not wait for this validation.
        job.Background = Task.WhenAll(job.Background, job.Checkpoints).Then(
            () =>
            {
                try
                {
                    var (valid, scores) = data.Validate(job.Job, spec, end.Weights);
                    var final = end.Final
                        ? data.Finish(job.Job, spec, end.Weights, end.OptimizerState, end.Steps,
                            new { job_id = end.JobId, epoch = end.Report.Epoch, step = end.Steps, valid_ppl = valid, job = job.Job.ToJson() })
                        : null;
                    self.Tell(new EpochEvaluated(end, valid, final, null, scores));
                }
#pragma warning disable CA1031 // any failure of evaluation or checkpointing fails the job, never the node
                catch (Exception e)
#pragma warning restore CA1031
                {
                    self.Tell(new EpochEvaluated(end, double.NaN, null, e.Message));
                }
            });
    }

    private void OnEvaluated(EpochEvaluated ev)
    {
        var end = ev.End;
        if (!_jobs.TryGetValue(end.JobId, out var job) || job.IsFinal)
        {
            return;
        }

        if (ev.Error is { } error)
        {
            Finish(job.Id, JobStates.Failed, new JobFailed(job.Id, error), error);
            return;
        }

        job.ValidPpl = ev.ValidPpl;
        var report = end.Report with { ValidPerplexity = ev.ValidPpl };
        Publish(job, new JobEpoch(job.Id, report, end.TokensExpected, ev.ValidScores));
        if (end.Final && ev.Final is { } final)
        {
            var wall = (DateTime.UtcNow - job.Started).TotalSeconds;
            var summary = new TrainingSummary(end.TokensPerSec, report.TrainPerplexity, ev.ValidPpl, final.Test, end.Steps, report.Epoch, wall,
                end.TrainSeconds, end.TotalTokens, end.Workers, WeightsDigest.Sha256(end.Weights));
            var sharded = job.Data is { } data && job.Job.ShardsParameterServer(data.Spec(job.Job));
            var done = new JobCompleted(job.Id, summary, JobDatasets.OptimalPerplexity(job.Job), final.OutPath, PeakMemory.ResidentMb(),
                end.WorkerPeakRssMb, end.Timings, sharded ? "workers" : "coordinator", job.Job.Mode,
                job.Job.LocalSgd ? job.Job.SyncEvery : null, job.Job.LocalSgd ? job.Job.WarmupSyncSteps : null, job.Job.Compression.ToString(),
                job.Job.Async ? job.Job.MaxStaleness : null, end.Staleness, job.Job.Task, final.Classification, final.Words);
            _log.Info("{0} completed: valid ppl {1:F3} after {2} steps; {3:F0} tokens/s; per step {4}",
                job.Id, ev.ValidPpl, end.Steps, end.TokensPerSec, end.Timings?.Describe() ?? "not timed");
            Finish(job.Id, JobStates.Completed, done, null);
        }
    }

    private void OnWatch(WatchJob watch)
    {
        if (!_jobs.TryGetValue(watch.JobId, out var job))
        {
            Sender.Tell(_endedEarlier.TryGetValue(watch.JobId, out var ended)
                ? new JobEndedEarlier(watch.JobId, ended.State)
                : new JobFailed(watch.JobId, $"no job {QuotedText.Quote(watch.JobId)}"));
            return;
        }

        if (job.FinalEvent is { } final)
        {
            Sender.Tell(final);
            return;
        }

        if (job.Watchers.Add(Sender))
        {
            Context.Watch(Sender);
        }

        // The latest report, once there is one: a queued or just-resumed job has no step yet.
        if (job.Progress.WindowsPerEpoch > 0)
        {
            Sender.Tell(new JobProgress(job.Id, job.Progress));
        }
    }

    private void OnCancel(CancelJob cancel)
    {
        if (!_jobs.TryGetValue(cancel.JobId, out var job) || job.IsFinal)
        {
            Sender.Tell(new CancelResult(cancel.JobId, false));
            return;
        }

        Sender.Tell(new CancelResult(cancel.JobId, true));
        Finish(job.Id, JobStates.Cancelled, new JobCancelled(job.Id), "cancelled");
    }

    private void Finish(string id, string state, JobEvent final, string? reason)
    {
        if (!_jobs.TryGetValue(id, out var job) || job.IsFinal)
        {
            return;
        }

        job.State = state;
        job.Reason = reason;
        job.Data = null;
        Replicator.Tell(new JobStateChanged(id, state, job.ToStatus()), Self);
        if (_checkpointDir is { } recordDir)
        {
            try
            {
                var status = job.ToStatus();
                AcceptedJobs.MarkEnded(recordDir, id, state, status);
                AcceptedJobs.MarkEnded(JobCheckpoints.ReplicaDirectory(recordDir), id, state, status); // accepted on another coordinator
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Warning("the record of {0} could not be marked {1}: {2}", id, state, e.Message);
            }
        }

        if (job.CheckpointPath is { } path)
        {
            // Watchers hear the end once the checkpoint carries its final name (<id>.<state>.rnnc), so a
            // script that resumes after `submit --watch` returns finds it.
            var log = _log;
            job.Checkpoints = job.Checkpoints.Then(
                () =>
                {
                    try
                    {
                        JobCheckpoints.MarkEnded(path, state);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        log.Warning("checkpoint {0} could not be marked {1}: {2}", path, state, e.Message);
                    }
                });
            job.Checkpoints.ContinueWith(_ => new FinalEventReady(id, final), TaskScheduler.Default).PipeTo(Self);
        }
        else
        {
            PublishFinal(job, final);
        }

        if (_running == id)
        {
            _running = null;

            // A job that ends here for any reason (a failed evaluation, say) must stop training too;
            // StopRun for a run that already ended is ignored.
            _parameterServer.Tell(new StopRun(id));
        }

        if (state == JobStates.Failed)
        {
            _log.Warning("{0} failed: {1}", id, reason);
        }

        StartNext();
    }

    private void PublishFinal(JobRecord job, JobEvent final)
    {
        job.FinalEvent = final;
        Publish(job, final);
        foreach (var w in job.Watchers)
        {
            Context.Unwatch(w);
        }

        job.Watchers.Clear();
    }

    /// <summary>To the job's watchers and this node's event stream (node-local observers: the metrics log).</summary>
    private void Publish(JobRecord job, JobEvent e)
    {
        Context.System.EventStream.Publish(e);
        foreach (var w in job.Watchers)
        {
            w.Tell(e);
        }
    }

    private ClusterStatus Status()
    {
        var members = Akka.Cluster.Cluster.Get(Context.System).State.Members
            .Select(m => new MemberStatus(m.Address.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)], m.Status.ToString()))
            .ToList();
        var jobs = _order.Select(id => _jobs[id].ToStatus());
        if (_endedEarlier.Count > 0)
        {
            // Disjoint from _jobs (filtered when they were taken in; later jobs get new numbers).
            jobs = _endedEarlier.Values.Concat(jobs).OrderBy(s => JobCheckpoints.JobNumber(s.Id) ?? int.MaxValue);
        }

        return new ClusterStatus(members, [.. jobs]);
    }
}
