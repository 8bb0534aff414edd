using Akka.Actor;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>Corpus loading finished off the actor thread (Dataset) or failed (Error); with Resume, for a job continued from a checkpoint.</summary>
internal sealed record CorpusLoaded(JobDefinition Job, JobData? Dataset, string? Error, IActorRef ReplyTo, TrainingSnapshot? Resume = null, string? ResumeFrom = null);

/// <summary>An epoch's validation (and, when final, test, --out and the task's scores in <paramref name="Final"/>) finished off the actor thread.</summary>
internal sealed record EpochEvaluated(RunEpochEnd End, double ValidPpl, FinalEvaluation? Final, string? Error, Protocol.SplitScores? ValidScores = null);

/// <summary>A running job's checkpoint at <paramref name="Step"/> could not be written; the job fails.</summary>
internal sealed record CheckpointNotWritten(string JobId, long Step, string Error);

/// <summary>A resumed job's corpus was loaded off the actor thread (Dataset) or could not be, or was not the checkpoint's (Error).</summary>
internal sealed record ResumeLoaded(string JobId, JobData? Dataset, string? Error);
