using MessagePack;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Protocol;

/// <summary>What a watcher of a job receives. <see cref="IsFinal"/> events end the watch.</summary>
public abstract record JobEvent(string JobId) : IClusterMessage
{
    [IgnoreMember]
    public virtual bool IsFinal => false;
}

/// <summary>
/// After every training step: Core's <see cref="ProgressReport"/> of the job's training loop, and the
/// step's own time split and bytes (<see cref="StepTimings"/> of that one step; null when the step was
/// not measured, e.g. the latest report sent to a new watcher).
/// </summary>
[MessagePackObject(true)]
public sealed record JobProgress(string JobId, ProgressReport Report, StepTimings? Step = null) : JobEvent(JobId);

/// <summary>
/// A job's run starts (or resumes, <see cref="Resumed"/>) on this coordinator: published on the
/// supervisor's node's event stream only (not to watchers), for node-local observers such as the
/// metrics log. <see cref="Label"/> names the model (<c>lstm 2x200</c>); <see cref="OptimalPpl"/> is
/// the corpus's true perplexity when known.
/// </summary>
public sealed record JobRunStarted(string JobId, string Label, double? OptimalPpl, bool Resumed, string JobJson);

/// <summary>
/// At each epoch end after validation: Core's <see cref="EpochReport"/>, whose tokens are those the
/// workers reported for the epoch's completed steps, and <see cref="TokensExpected"/>, what the windows
/// the epoch covered hold (all of them, or those before max_steps ended it): equal when every token
/// was trained exactly once. A classify job's <see cref="ValidScores"/> are its validation documents'
/// scores after the epoch (null for the other tasks).
/// </summary>
[MessagePackObject(true)]
public sealed record JobEpoch(string JobId, EpochReport Report, long TokensExpected, SplitScores? ValidScores = null) : JobEvent(JobId);

/// <summary>
/// The job's summary; final. <see cref="Summary"/> is Core's <see cref="TrainingSummary"/>: its tokens
/// are every token trained and its train seconds the parameter server's training wall time (steps in
/// flight and updates; not start-up, waiting for workers, or validation, which runs beside training).
/// Its wall seconds run from the job's start to this event. Peak resident memory (VmHWM, MB) is
/// reported for the coordinator process and the largest worker process (0 when unknown).
/// <see cref="PsPlacement"/> says where the parameter server ran (<c>workers</c>: sharded,
/// <c>coordinator</c>: central); <see cref="OptimalPpl"/> is the corpus's true perplexity when known
/// (the built-in corpus), <see cref="OutPath"/> where the model was written. <see cref="Mode"/> is the
/// job's mode, <see cref="SyncEvery"/> its local steps per round and <see cref="WarmupSyncSteps"/> its
/// synchronous steps before the first round (both null but in local-sgd, where <see cref="StepTimings"/>
/// are per round). <see cref="Compress"/> is what its gradients (and weight updates) were on the
/// wire (<c>--compress</c>). In async mode <see cref="MaxStaleness"/> is its bound S and
/// <see cref="Staleness"/> what its gradients showed. <see cref="Task"/> is the job's <c>--task</c>:
/// for <c>classify</c> the summary's tokens are documents and its perplexities exp of the mean loss per
/// document, and <see cref="Classification"/> holds the final scores; for <c>cbow</c> tokens are centre
/// words, perplexities exp of the mean CBOW loss per centre word, and <see cref="Words"/> the corpus
/// positions the steps walked (subsampled words included: word2vec's "words").
/// </summary>
[MessagePackObject(true)]
public sealed record JobCompleted(
    string JobId,
    TrainingSummary Summary,
    double? OptimalPpl,
    string? OutPath,
    double CoordinatorPeakRssMb,
    double WorkerPeakRssMb,
    StepTimings? StepTimings,
    string PsPlacement,
    string Mode = "sync",
    int? SyncEvery = null,
    long? WarmupSyncSteps = null,
    string Compress = "none",
    int? MaxStaleness = null,
    ObservedStaleness? Staleness = null,
    string Task = "lm",
    ClassifierScores? Classification = null,
    long Words = 0) : JobEvent(JobId)
{
    [IgnoreMember]
    public override bool IsFinal => true;
}

/// <summary>
/// A classify job's final scores: its class <see cref="Labels"/> (id order) and the validation and
/// (when the job has test documents) test documents' scores.
/// </summary>
[MessagePackObject(true)]
public sealed record ClassifierScores(string[] Labels, SplitScores Valid, SplitScores? Test);

/// <summary>
/// One split's classification scores: Σ −log ŷ[label] over its documents (nats) and the (K, K) confusion
/// matrix (row = true class, column = predicted), from which accuracy, macro-F1 and per-class
/// precision/recall follow (see <see cref="Core.Classification.ClassificationMetrics"/>).
/// </summary>
[MessagePackObject(true)]
public sealed record SplitScores(double LossSum, long[][] Confusion)
{
    /// <summary>Core's result of the split (the metrics computed from the confusion matrix).</summary>
    /// <exception cref="ArgumentException">When the confusion matrix is not K×K counts of at least one document.</exception>
    public Core.Classification.ClassifierEvaluator.Result ToResult()
    {
        var metrics = new Core.Classification.ClassificationMetrics(Confusion);
        return new(LossSum, metrics.Documents, metrics);
    }

    public static SplitScores From(Core.Classification.ClassifierEvaluator.Result r) => new(r.LossSum, r.Metrics.Confusion);
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

/// <summary>
/// Answer to a watch of a job that ended under an earlier job supervisor (before a failover or a
/// restart of the whole cluster): there are no events to follow, only its final state
/// (<see cref="State"/>: completed, failed, diverged or cancelled); final.
/// </summary>
[MessagePackObject(true)]
public sealed record JobEndedEarlier(string JobId, string State) : JobEvent(JobId)
{
    [IgnoreMember]
    public override bool IsFinal => true;
}

/// <summary>A worker joined or left the running job (the streams were re-cut over <see cref="Workers"/>).</summary>
[MessagePackObject(true)]
public sealed record JobMemberEvent(string JobId, string Worker, bool Joined, int Workers) : JobEvent(JobId);

/// <summary>
/// The staleness <c>--mode async</c> showed: per applied gradient, how many steps its worker was ahead
/// of the slowest when it was sent its step (mean and max; at most the bound S), and how many other
/// gradients the server applied between sending it the weights and applying it (mean).
/// </summary>
[MessagePackObject(true)]
public sealed record ObservedStaleness(double MeanSteps, long MaxSteps, double MeanUpdatesBehind);
