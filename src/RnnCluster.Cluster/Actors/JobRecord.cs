using Akka.Actor;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>The supervisor's view of one job: definition, data, state, latest figures and watchers.</summary>
internal sealed class JobRecord(string id, JobDefinition job, JobData? data)
{
    public string Id { get; } = id;

    public JobDefinition Job { get; } = job;

    public JobData? Data { get; set; } = data;

    public string State { get; set; } = JobStates.Queued;

    /// <summary>The latest step's report; epoch 0 before the first step.</summary>
    public ProgressReport Progress { get; set; } = new(0, 0, 0, 0, double.NaN, 0, 0, job.Training.Schedule.ForEpoch(1));

    public double ValidPpl { get; set; } = double.NaN;

    public int Workers { get; set; }

    public string? Reason { get; set; }

    public JobEvent? FinalEvent { get; set; }

    public HashSet<IActorRef> Watchers { get; } = [];

    public DateTime Started { get; set; }

    /// <summary>Where the job's checkpoint is written (null: no checkpoints).</summary>
    public string? CheckpointPath { get; set; }

    /// <summary>The state a resumed job starts from (null once handed to the parameter server).</summary>
    public TrainingSnapshot? Resume { get; set; }

    /// <summary>Epoch-end validations (and final scoring) run off the actor thread, in the order they were asked for.</summary>
    public Task Background { get; set; } = Task.CompletedTask;

    /// <summary>
    /// Checkpoint writes (and the final rename) run off the actor thread, in order, on a chain of their own:
    /// a checkpoint never waits for an epoch's validation (seconds on PTB), so a failover just after an
    /// epoch end does not lose the checkpoints asked for meanwhile; a validation waits for the checkpoints
    /// asked for before it, so an epoch is reported only once its checkpoint is on disk.
    /// </summary>
    public Task Checkpoints { get; set; } = Task.CompletedTask;

    public bool IsFinal => State is JobStates.Completed or JobStates.Failed or JobStates.Cancelled;

    /// <summary>The parameter server's step averages so far (null before the first full step).</summary>
    public StepTimings? Timings { get; set; }

    public JobStatus ToStatus() => new(Id, State, Progress.Epoch, Progress.Step, Progress.TokensPerSecond, Progress.TrainPerplexity, ValidPpl, Workers, Reason,
        (Job.LocalSgd ? $"local-sgd (H {Job.SyncEvery})" : Job.Async ? $"async (S {Job.MaxStaleness})" : Job.Mode) + (Job.Compression.Kind == CompressionKind.None ? string.Empty : $", {Job.Compression}"),
        Timings, Job.LocalSgd ? Job.SyncEvery : 1, Job.Task);
}
