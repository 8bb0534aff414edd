using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>
/// Single-process training: the <see cref="TrainingLoop"/> fed by a <see cref="StreamGroupsGradient"/>
/// over all B streams (groups in parallel over the threads of <see cref="TrainingOptions.Threads"/>),
/// validated each epoch and tested at the end.
/// </summary>
public sealed class Trainer
{
    private readonly TrainingOptions _options;
    private readonly TextDataset _data;
    private readonly ITrainingObserver? _observer;

    /// <exception cref="CorpusException">When a data set is too small for the batch and window.</exception>
    /// <exception cref="ArgumentException">When an option is invalid (the message names the flag).</exception>
    public Trainer(ModelSpec spec, TrainingOptions options, TextDataset data, ITrainingObserver? observer = null)
    {
        options.Validate();
        LanguageModel.CheckSize(spec, options.Batch, options.Bptt);
        LanguageModel.CheckSize(spec, options.EvalBatch, options.Bptt, "--eval-batch");
        TextDatasetLoader.RequireTokens(data.Train, options.Batch, options.Bptt, "train");
        if (data.Valid.Length < 2)
        {
            throw new CorpusException($"the validation set has {data.Valid.Length} token(s); it needs at least 2 to be evaluated");
        }

        if (data.Test is { Length: < 2 } test)
        {
            throw new CorpusException($"the test set has {test.Length} token(s); it needs at least 2 to be evaluated");
        }

        _options = options;
        _data = data;
        _observer = observer;
        var streams = new BatchStreams(data.Train, options.Batch);
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        Groups = new StreamGroups(options.Batch, options.EffectiveStreamGroups(threads));
        Plan = ComputePlan.For(threads, Groups.Count, options.Deterministic);
        Loop = new TrainingLoop(spec, options, streams.WindowCount(options.Bptt));
        Source = new StreamGroupsGradient(spec, Loop.Weights, streams, 0,
            [.. Enumerable.Range(0, Groups.Count).Select(Groups.Size)], options.Bptt, Plan.ParallelGroups);
    }

    public TrainingLoop Loop { get; }

    public StreamGroupsGradient Source { get; }

    public StreamGroups Groups { get; }

    public ComputePlan Plan { get; }

    public ModelSpec Spec => Loop.Spec;

    /// <summary>The model's weights (layout size), trained in place.</summary>
    public float[] Weights => Loop.Weights;

    public IOptimizer Optimizer => Loop.Optimizer;

    public long Steps => Loop.Step;

    /// <summary>The run's state between steps, for a checkpoint: the loop's snapshot with every stream's hidden state.</summary>
    public TrainingSnapshot Snapshot()
    {
        var state = new ModelState(Spec, _options.Batch);
        Source.SaveState(state);
        return Loop.Snapshot(state);
    }

    /// <summary>
    /// Continues from <paramref name="s"/> (a <see cref="Snapshot"/> of a run of the same job): weights,
    /// optimizer, cursor, sums, schedule and the streams' hidden state. A snapshot taken at an epoch's
    /// end starts the next epoch as the run would have, with <paramref name="endedEpochValid"/> (that
    /// epoch's validation perplexity) for <c>--decay-on-plateau</c>; the run then goes on bit for bit as
    /// if it had never stopped.
    /// </summary>
    /// <exception cref="ArgumentException">When the snapshot does not fit this model and batch, or it is the end of the run.</exception>
    public void Resume(TrainingSnapshot s, double? endedEpochValid)
    {
        var state = new ModelState(Spec, _options.Batch);
        var nextEpoch = Loop.Resume(s, state, endedEpochValid);
        Source.LoadState(state);
        if (nextEpoch)
        {
            Source.ResetState();
        }
    }

    /// <summary>Trains to the end; sets the process's GEMM thread count to <see cref="Plan"/>'s first.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> is signalled.</exception>
    public TrainingSummary Run(CancellationToken cancel = default)
    {
        Plan.ConfigureGemm();
        var summary = Loop.Run(Source, Validate, _observer, cancel);
        return summary with { TestPerplexity = Evaluator.TestPerplexity(Spec, Weights, _data, _options) };
    }

    private double Validate() => Evaluator.ValidPerplexity(Spec, Weights, _data, _options);
}
