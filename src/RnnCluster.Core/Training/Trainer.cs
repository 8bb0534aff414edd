using System.Diagnostics;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>Single-process training: B streams, truncated BPTT, Zaremba's schedule and loss scaling.</summary>
public sealed class Trainer
{
    private readonly TrainingOptions _options;
    private readonly TextDataset _data;
    private readonly ITrainingObserver? _observer;

    public Trainer(ModelSpec spec, TrainingOptions options, TextDataset data, ITrainingObserver? observer = null)
    {
        options.Validate();
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
        Model = new LanguageModel(spec, options.Batch, options.Bptt);
        Model.Initialize(options.Seed);
        Optimizer = Optimizers.Create(options.Optimizer, Model.Layout.Size, options.Momentum);
    }

    public LanguageModel Model { get; }

    public IOptimizer Optimizer { get; }

    public long Steps { get; private set; }

    public int EpochsDone { get; private set; }

    public TrainingSummary Run(CancellationToken cancel = default)
    {
        var wall = Stopwatch.StartNew();
        var o = _options;
        var shard = new ShardGradient(Model, new BatchStreams(_data.Train, o.Batch), 0, o.Bptt);
        var lossScale = 1f / o.Batch; // Σ over time steps of the batch-mean cross-entropy
        var trainClock = new Stopwatch();
        long totalTokens = 0;
        double trainPpl = double.NaN, validPpl = double.NaN;
        var stop = false;
        for (var epoch = 1; epoch <= o.Epochs && !stop; epoch++)
        {
            var lr = o.Schedule.ForEpoch(epoch);
            shard.State.Reset();
            double epochLoss = 0;
            long epochTokens = 0;
            var epochClock = Stopwatch.StartNew();
            var windows = shard.WindowCount;
            for (var w = 0; w < windows; w++)
            {
                cancel.ThrowIfCancellationRequested();
                trainClock.Start();
                var (loss, tokens) = shard.Compute(w, Steps, o.Seed, lossScale);
                ParameterUpdate.Apply(Model.Weights, Model.Gradients, Optimizer, lr, o.Clip);
                trainClock.Stop();
                Steps++;
                epochLoss += loss;
                epochTokens += tokens;
                totalTokens += tokens;
                trainPpl = Math.Exp(epochLoss / epochTokens);
                _observer?.OnProgress(new ProgressReport(epoch, Steps, w + 1, windows, trainPpl,
                    totalTokens / trainClock.Elapsed.TotalSeconds, 1, lr));
                if (o.MaxSteps > 0 && Steps >= o.MaxSteps)
                {
                    stop = true;
                    break;
                }
            }

            validPpl = Validate();
            EpochsDone = epoch;
            _observer?.OnEpoch(new EpochReport(epoch, trainPpl, validPpl, epochTokens, lr, epochClock.Elapsed.TotalSeconds));
        }

        double? testPpl = _data.Test is { } test
            ? Evaluator.Run(Model.Spec, Model.Weights, test, 1, o.Bptt).Perplexity
            : null;
        return new TrainingSummary(totalTokens / trainClock.Elapsed.TotalSeconds, trainPpl, validPpl, testPpl,
            Steps, EpochsDone, wall.Elapsed.TotalSeconds, trainClock.Elapsed.TotalSeconds, totalTokens, 1);
    }

    private double Validate()
        => Evaluator.Validate(Model.Spec, Model.Weights, _data.Valid, _options.EvalBatch, _options.Bptt).Perplexity;
}
