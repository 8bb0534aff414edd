using Akka.Actor;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>The supervisor's view of one job: definition, data, state, latest figures and watchers.</summary>
internal sealed class JobRecord(string id, JobDefinition job, TextDataset? data)
{
    public string Id { get; } = id;

    public JobDefinition Job { get; } = job;

    public TextDataset? Data { get; set; } = data;

    public string State { get; set; } = JobStates.Queued;

    public int Epoch { get; set; }

    public long Step { get; set; }

    public double TokensPerSec { get; set; }

    public double TrainPpl { get; set; } = double.NaN;

    public double ValidPpl { get; set; } = double.NaN;

    public int Workers { get; set; }

    public string? Reason { get; set; }

    public JobEvent? FinalEvent { get; set; }

    public JobProgress? LastProgress { get; set; }

    public HashSet<IActorRef> Watchers { get; } = [];

    public DateTime Started { get; set; }

    /// <summary>Where the job's checkpoint is written (null: no checkpoints).</summary>
    public string? CheckpointPath { get; set; }

    /// <summary>The state a resumed job starts from (null once handed to the parameter server).</summary>
    public TrainingSnapshot? Resume { get; set; }

    /// <summary>Checkpoint writes and validations run off the actor thread, in the order they were asked for.</summary>
    public Task Background { get; set; } = Task.CompletedTask;

    public bool IsFinal => State is JobStates.Completed or JobStates.Failed or JobStates.Cancelled;

    public JobStatus ToStatus() => new(Id, State, Epoch, Step, TokensPerSec, TrainPpl, ValidPpl, Workers, Reason);
}
