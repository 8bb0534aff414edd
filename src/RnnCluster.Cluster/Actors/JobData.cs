using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// What a job trains on, per <c>--task</c>, and what only the task knows: the model spec its data
/// sets, the windows of an epoch and the tokens they hold, what a worker must be sent to compute its
/// slots, how an epoch's weights are validated and how the final model is scored and written. The
/// supervisor loads it (off the actor thread) and hands it to the parameter server with the run; the
/// training loop, the gradient protocol and the parameter server are the same for every task.
/// </summary>
internal abstract class JobData
{
    /// <summary>The job's task: lm, classify or cbow.</summary>
    public abstract string Task { get; }

    /// <summary>What the job's checkpoints record of this data (model, vocabulary, labels): written with each, and matched when a job resumes.</summary>
    public abstract CheckpointData Recorded(JobDefinition job);

    /// <summary>One line for the supervisor's log: the data's size and vocabulary.</summary>
    public abstract string Describe();

    /// <summary>The model the job trains on this data (vocabulary, and a classifier's classes, from the data).</summary>
    /// <exception cref="ArgumentException">When the model does not fit (too large for the batch, or invalid).</exception>
    public abstract ModelSpec Spec(JobDefinition job);

    /// <summary>Windows (steps) per epoch.</summary>
    public abstract int Windows(TrainingOptions options);

    /// <summary>The tokens (documents, centre words) the first <paramref name="windows"/> windows of epoch <paramref name="epoch"/> (1-based) hold.</summary>
    public abstract long TokensInWindows(int epoch, int windows, TrainingOptions options);

    /// <summary>A language model's B streams (null for the other tasks, whose workers get <see cref="Corpus"/>).</summary>
    public virtual BatchStreams? Streams(TrainingOptions options) => null;

    /// <summary>The training data every worker of a classify or cbow job holds (null for a language model, whose workers get their streams' tokens).</summary>
    public virtual TaskCorpus? Corpus(ModelSpec spec, TrainingOptions options) => null;

    /// <summary>The vocabulary in id order when <paramref name="spec"/> spells its words (the character-aware model; <see cref="ShardAssignment.Words"/>), else null.</summary>
    public virtual string[]? SpelledWords(ModelSpec spec) => null;

    /// <summary>
    /// The validation measure the loop keeps (perplexity, or exp of the mean loss per document or centre
    /// word) and, for a classifier, the validation documents' scores (null for the other tasks).
    /// </summary>
    public abstract (double Measure, SplitScores? Scores) Validate(JobDefinition job, ModelSpec spec, float[] weights);

    /// <summary>
    /// After the last epoch: the test measure (null without test data), the model written to the job's
    /// --out (null: none), and the task's final scores for the summary.
    /// </summary>
    /// <param name="metadata">Recorded in the written model's metadata (job id, step, validation …).</param>
    public abstract FinalEvaluation Finish(JobDefinition job, ModelSpec spec, float[] weights, IReadOnlyDictionary<string, float[]> optimizerState,
        long steps, object metadata);

    /// <summary>Loads the job's data for its task, checking it as `train` does.</summary>
    /// <exception cref="CorpusException">Naming the file (and line) or flag that is wrong.</exception>
    /// <exception cref="ArgumentException">When a flag does not fit the data.</exception>
    public static JobData Load(JobDefinition job) => job.Task switch
    {
        "classify" => ClassifierData.Read(job),
        "cbow" => CbowData.Read(job),
        _ => new LanguageModelData(JobDatasets.Load(job)),
    };
}

/// <summary>
/// The end of a job on its data: the test measure (perplexity, or exp of the test documents' mean loss),
/// where the model was written, a classifier's scores and (cbow) the corpus positions the steps walked.
/// </summary>
internal sealed record FinalEvaluation(double? Test, string? OutPath, ClassifierScores? Classification = null, long Words = 0);
