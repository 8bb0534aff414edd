using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

// Messages between the two coordinator singletons. Both singletons live on the oldest coordinator
// node, so these are local messages and never serialized (tensors pass by reference).

/// <summary>
/// Supervisor → parameter server: train this job (its data, of any task, and model spec), sending
/// <see cref="RunCheckpoint"/>s when <see cref="Checkpointing"/>, from <see cref="Resume"/> when resumed.
/// </summary>
internal sealed record StartRun(string JobId, JobDefinition Job, ModelSpec Spec, JobData Data, bool Checkpointing = false, TrainingSnapshot? Resume = null);

/// <summary>Parameter server → supervisor: the job's state to checkpoint (every checkpoint_every steps and at epoch ends).</summary>
internal sealed record RunCheckpoint(string JobId, TrainingSnapshot Snapshot);

/// <summary>Supervisor → parameter server: stop the job now (cancelled).</summary>
internal sealed record StopRun(string JobId);

/// <summary>Parameter server → supervisor: a step completed; <see cref="Timings"/> are the averages so far (null before the first full step).</summary>
internal sealed record RunProgress(string JobId, ProgressReport Report, StepTimings? Timings = null, StepTimings? LastStep = null);

/// <summary>
/// Parameter server → supervisor: an epoch ended (or max_steps was reached: then <see cref="Final"/>).
/// <see cref="Report"/> is the loop's epoch report, its validation perplexity still NaN;
/// <see cref="Weights"/> is a copy the supervisor validates off the actor thread. <see cref="TotalTokens"/>
/// counts every token trained so far, in <see cref="TrainSeconds"/> of training.
/// </summary>
internal sealed record RunEpochEnd(
    string JobId,
    EpochReport Report,
    long TokensExpected,
    float[] Weights,
    bool Final,
    long Steps,
    double TokensPerSec,
    double TrainSeconds,
    int Workers,
    IReadOnlyDictionary<string, float[]> OptimizerState,
    long TotalTokens,
    double WorkerPeakRssMb,
    StepTimings? Timings,
    ObservedStaleness? Staleness = null);

/// <summary>Parameter server → supervisor: the job cannot continue.</summary>
internal sealed record RunFailed(string JobId, string Reason);

/// <summary>Parameter server → supervisor: the running job's shards were re-cut after a worker joined or left.</summary>
/// <summary>The run waits for <paramref name="Needed"/> workers, <paramref name="Available"/> being up (null Needed: it no longer waits).</summary>
internal sealed record RunWaiting(string JobId, int Available, int? Needed);

internal sealed record RunMembership(string JobId, string Worker, bool Joined, int Workers);

/// <summary>Supervisor → itself: a finished job's checkpoint has its final name; its watchers may hear the end.</summary>
internal sealed record FinalEventReady(string JobId, JobEvent Final);
