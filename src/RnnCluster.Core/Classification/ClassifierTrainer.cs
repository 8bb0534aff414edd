using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Classification;

/// <summary>
/// Single-process training of a document classifier: the <see cref="TrainingLoop"/> of language models
/// fed by a <see cref="DocumentBatchGradient"/> (the loop's "tokens" are documents and its perplexity is
/// exp of the mean cross-entropy per document), validated each epoch (the loop's validation perplexity,
/// which drives <c>--decay-on-plateau</c> and <c>--keep-best</c>, is the validation documents' — and
/// <see cref="Validated"/> gets their full metrics), then scored on the test documents.
/// </summary>
public sealed class ClassifierTrainer
{
    private readonly DocumentDataset _data;
    private readonly ITrainingObserver? _observer;

    /// <param name="spec">A bag-of-words classifier over <paramref name="data"/>'s vocabulary and classes.</param>
    /// <exception cref="ArgumentException">When an option or the spec is invalid (the message names the flag).</exception>
    public ClassifierTrainer(ModelSpec spec, TrainingOptions options, DocumentDataset data, ITrainingObserver? observer = null)
    {
        options.Validate();
        spec.Validate();
        if (spec.VocabSize != data.Vocabulary.Count || spec.Classes != data.Labels.Count)
        {
            throw new ArgumentException($"the spec's vocabulary ({spec.VocabSize}) and classes ({spec.Classes}) differ from the data's ({data.Vocabulary.Count}, {data.Labels.Count})");
        }

        _data = data;
        _observer = observer;
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        var groups = options.EffectiveStreamGroups(threads);
        Plan = ComputePlan.For(threads, groups, options.Deterministic);
        Loop = new TrainingLoop(spec, options, DocumentBatchGradient.Windows(data.Train.Length, options.Batch));
        Source = new DocumentBatchGradient(spec, Loop.Weights, data.Train, options.Batch, groups, Plan.ParallelGroups);
    }

    public TrainingLoop Loop { get; }

    public DocumentBatchGradient Source { get; }

    public ComputePlan Plan { get; }

    public ModelSpec Spec => Loop.Spec;

    /// <summary>The run's state at a step boundary, for a checkpoint (a classifier or CBOW carries no stream state).</summary>
    public TrainingSnapshot Snapshot() => Loop.Snapshot(ModelState.Carried(Spec, Loop.Options.Batch));

    /// <summary>
    /// Continues from <paramref name="s"/> (a <see cref="Snapshot"/> of a run of the same job): weights,
    /// optimizer, cursor, sums and schedule; the data order of each epoch follows from (seed, epoch), so
    /// the run goes on bit for bit as if it had never stopped (see <see cref="TrainingLoop.Resume"/>).
    /// </summary>
    /// <exception cref="ArgumentException">When the snapshot does not fit this model and batch, or it is the end of the run.</exception>
    public void Resume(TrainingSnapshot s, double? endedEpochValid) => Loop.Resume(s, ModelState.Carried(Spec, Loop.Options.Batch), endedEpochValid);

    /// <summary>The model's weights (layout size), trained in place.</summary>
    public float[] Weights => Loop.Weights;

    /// <summary>The validation documents' scores after each epoch (set before the epoch's report goes out).</summary>
    public ClassifierEvaluator.Result? Validated { get; private set; }

    /// <summary>Trains to the end; returns the loop's summary and the final validation and test scores (test null without test documents).</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> is signalled.</exception>
    public (TrainingSummary Summary, ClassifierEvaluator.Result Valid, ClassifierEvaluator.Result? Test) Run(CancellationToken cancel = default)
    {
        Plan.ConfigureGemm();
        var summary = Loop.Run(Source, Validate, _observer, cancel);
        var valid = ClassifierEvaluator.Run(Spec, Weights, _data.Valid);
        var test = _data.Test is { Length: > 0 } documents ? ClassifierEvaluator.Run(Spec, Weights, documents) : null;
        return (summary with { TestPerplexity = test?.Perplexity }, valid, test);
    }

    private double Validate()
    {
        Validated = ClassifierEvaluator.Run(Spec, Weights, _data.Valid);
        return Validated.Perplexity;
    }
}
