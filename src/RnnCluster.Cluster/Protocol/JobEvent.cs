using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>What a watcher of a job receives. <see cref="IsFinal"/> events end the watch.</summary>
public abstract record JobEvent(string JobId) : IClusterMessage
{
    [IgnoreMember]
    public virtual bool IsFinal => false;
}

/// <summary>After every training step. <see cref="Lr"/> is the learning rate of the step's epoch.</summary>
[MessagePackObject(true)]
public sealed record JobProgress(
    string JobId,
    int Epoch,
    long Step,
    double TrainPpl,
    double TokensPerSec,
    int Workers,
    int Window,
    int WindowsPerEpoch,
    float Lr) : JobEvent(JobId);

/// <summary>
/// At each epoch end after validation. <see cref="TokensAccounted"/> counts the tokens the workers
/// reported for the completed steps of this epoch; <see cref="TokensExpected"/> is what the windows the
/// epoch covered hold (all of them, or those before max_steps ended it): equal when every token was
/// trained exactly once.
/// </summary>
[MessagePackObject(true)]
public sealed record JobEpoch(
    string JobId,
    int Epoch,
    double TrainPpl,
    double ValidPpl,
    long Tokens,
    float Lr,
    long TokensAccounted,
    long TokensExpected) : JobEvent(JobId);

/// <summary>
/// The job's summary; final. <see cref="Tokens"/> is every token trained; <see cref="TrainSeconds"/>
/// the parameter server's training wall time (steps in flight and updates; not start-up, waiting for
/// workers, or validation, which runs beside training); <see cref="TokensPerSec"/> is their ratio.
/// <see cref="WallSeconds"/> runs from the job's start to its summary. Peak resident memory (VmHWM)
/// is reported for the coordinator process and the largest worker process (0 when unknown).
/// <see cref="WeightsSha256"/> fingerprints the final weights; <see cref="PsPlacement"/> says where the
/// parameter server ran (<c>workers</c>: sharded, <c>coordinator</c>: central).
/// </summary>
[MessagePackObject(true)]
public sealed record JobCompleted(
    string JobId,
    double TokensPerSec,
    double TrainPpl,
    double ValidPpl,
    double? TestPpl,
    long Steps,
    int Epochs,
    double WallSeconds,
    int Workers,
    double? OptimalPpl,
    string? OutPath,
    long Tokens,
    double TrainSeconds,
    double CoordinatorPeakRssMb,
    double WorkerPeakRssMb,
    StepTimings? StepTimings,
    string? WeightsSha256 = null,
    string? PsPlacement = null) : JobEvent(JobId)
{
    [IgnoreMember]
    public override bool IsFinal => true;
}

/// <summary>The job failed (or could not start); final.</summary>
[MessagePackObject(true)]
public sealed record JobFailed(string JobId, string Reason) : JobEvent(JobId)
{
    [IgnoreMember]
    public override bool IsFinal => true;
}

/// <summary>The job was cancelled; final.</summary>
[MessagePackObject(true)]
public sealed record JobCancelled(string JobId) : JobEvent(JobId)
{
    [IgnoreMember]
    public override bool IsFinal => true;
}

/// <summary>A worker joined or left the running job (the streams were re-cut over <see cref="Workers"/>).</summary>
[MessagePackObject(true)]
public sealed record JobMemberEvent(string JobId, string Worker, bool Joined, int Workers) : JobEvent(JobId);
