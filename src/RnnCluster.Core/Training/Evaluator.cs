using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>Cross-entropy of a token sequence under a model, hidden state carried across windows.</summary>
public static class Evaluator
{
    public sealed record Result(double LossSum, long Tokens)
    {
        public double Loss => Tokens == 0 ? double.NaN : LossSum / Tokens;

        public double Perplexity => Math.Exp(Loss);
    }

    /// <summary>
    /// The validation perplexity every trainer reports for an epoch (train and the cluster alike):
    /// <see cref="Validate"/> on the dataset's validation ids with the job's eval batch and BPTT.
    /// </summary>
    public static double ValidPerplexity(ModelSpec spec, float[] weights, TextDataset data, TrainingOptions options)
        => Validate(spec, weights, data.Valid, options.EvalBatch, options.Bptt).Perplexity;

    /// <summary>The test perplexity every trainer reports at the end: one stream (batch 1), null without test ids.</summary>
    public static double? TestPerplexity(ModelSpec spec, float[] weights, TextDataset data, TrainingOptions options)
        => data.Test is { } test ? Run(spec, weights, test, 1, options.Bptt).Perplexity : null;

    /// <summary>
    /// Validation perplexity with <paramref name="evalBatch"/> streams, fewer for a tiny validation set.
    /// Single-process and cluster training both call this, so their reported perplexities are comparable.
    /// </summary>
    public static Result Validate(ModelSpec spec, float[] weights, int[] ids, int evalBatch, int bptt)
        => Run(spec, weights, ids, Math.Min(evalBatch, Math.Max(1, ids.Length / 2)), bptt);

    /// <summary>Evaluates with its own workspace sharing <paramref name="weights"/>.</summary>
    public static Result Run(ModelSpec spec, float[] weights, int[] ids, int batch, int bptt, Action<int, int>? onWindow = null)
    {
        var streams = new BatchStreams(ids, batch);
        if (streams.StreamLength < 2)
        {
            throw new ArgumentException($"{ids.Length} tokens are too few to evaluate with batch {batch}");
        }

        var model = new LanguageModel(spec, batch, bptt, weights);
        var state = model.NewState(batch);
        var inputs = new int[batch * bptt];
        var targets = new int[batch * bptt];
        var windows = streams.WindowCount(bptt);
        double loss = 0;
        long tokens = 0;
        for (var w = 0; w < windows; w++)
        {
            var steps = streams.WindowSteps(w, bptt);
            var n = steps * batch;
            streams.FillWindow(w, bptt, 0, batch, inputs.AsSpan(0, n), targets.AsSpan(0, n));
            loss += model.Forward(inputs.AsSpan(0, n), targets.AsSpan(0, n), steps, batch, state, null);
            tokens += n;
            onWindow?.Invoke(w + 1, windows);
        }

        return new Result(loss, tokens);
    }
}
