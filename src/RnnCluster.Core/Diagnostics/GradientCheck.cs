using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Diagnostics;

/// <summary>The worst disagreement between backprop and finite differences within one parameter tensor.</summary>
public sealed record TensorCheck(string Tensor, int Count, double MaxRelativeError, double MaxAbsoluteError);

public sealed record GradientCheckResult(ModelSpec Spec, IReadOnlyList<TensorCheck> Tensors, double Tolerance)
{
    public double MaxRelativeError => Tensors.Max(t => t.MaxRelativeError);

    public bool Passed => MaxRelativeError <= Tolerance;
}

/// <summary>
/// Compares the analytic gradient of a tiny model with central finite differences over every
/// parameter, through two windows so the carried state and truncation are part of what is checked
/// (a bag-of-words classifier: over a batch of documents of different lengths, words repeated).
/// Errors are relative: |a − n| / max(|a| + |n|, floor); the floor keeps float32 round-off on
/// near-zero gradients from reading as a failure.
/// </summary>
public static class GradientCheck
{
    public const double DefaultTolerance = 1e-2;
    private const float Epsilon = 1e-2f;
    private const double Floor = 1e-2;

    /// <param name="tieWeights">Check the model with tied embedding and softmax weights (<see cref="ModelSpec.TieWeights"/>).</param>
    public static GradientCheckResult Run(CellType cell, int layers = 2, float dropout = 0.3f, ulong seed = 7, double tolerance = DefaultTolerance, bool tieWeights = false)
        => Run(cell, layers, dropout, seed, tolerance, corruptAnalytic: null, tieWeights);

    /// <param name="corruptAnalytic">Test hook: alters the analytic gradient to prove the check can fail.</param>
    internal static GradientCheckResult Run(CellType cell, int layers, float dropout, ulong seed, double tolerance, Action<LanguageModel, float[]>? corruptAnalytic,
        bool tieWeights = false)
    {
        if (cell == CellType.Bow)
        {
            throw new ArgumentException("bow is a classifier: use RunClassifier");
        }

        const int vocab = 7, hidden = 5, batch = 3, steps = 4;
        var spec = new ModelSpec(cell, vocab, layers, hidden, dropout, InitScale: 0.5f, ForgetBias: 0f) { TieWeights = tieWeights };
        var model = new LanguageModel(spec, batch, steps);
        model.Initialize(seed);
        var rng = new Rng(seed + 1);
        var rows = batch * steps;
        var warmInputs = RandomIds(rng, rows, vocab);
        var inputs = RandomIds(rng, rows, vocab);
        var targets = RandomIds(rng, rows, vocab);
        var dropoutKey = dropout > 0 ? new DropoutKey(seed, 3, 0) : (DropoutKey?)null;
        const float scale = 1f;

        // The first window only sets the carried state; gradients are checked on the second.
        var carried = model.NewState(batch);
        model.Forward(warmInputs, [], steps, batch, carried, null);
        var state = model.NewState(batch);

        double Loss()
        {
            state.CopyFrom(carried);
            return scale * model.Forward(inputs, targets, steps, batch, state, dropoutKey);
        }

        model.ZeroGradients();
        Loss();
        model.Backward(scale);
        var analytic = (float[])model.Gradients.Clone();
        corruptAnalytic?.Invoke(model, analytic);

        return new GradientCheckResult(spec, Compare(model.Layout, model.Weights, analytic, Loss), tolerance);
    }

    /// <summary>
    /// The check of a document classifier (<see cref="CellType.Bow"/>: the bag of words; else a recurrent
    /// classifier reading up to 5 words): 4 documents of 1–6 words over 7 words, 3 classes, so documents
    /// of different lengths share a padded batch and one is cut.
    /// </summary>
    public static GradientCheckResult RunClassifier(CellType cell, int layers = 2, float dropout = 0.3f, ulong seed = 7, double tolerance = DefaultTolerance)
    {
        const int vocab = 7, hidden = 5, classes = 3, documents = 4;
        var spec = new ModelSpec(cell, vocab, layers, hidden, dropout, InitScale: 0.5f) { Classes = classes, MaxWords = cell == CellType.Bow ? 0 : 5 };
        var model = Classification.DocumentClassifiers.Create(spec, documents);
        var weights = model.Weights;
        Classification.DocumentClassifiers.Initialize(spec, seed, weights);
        var rng = new Rng(seed + 1);
        var batch = Enumerable.Range(0, documents).Select(d => new Classification.Document(rng.NextInt(classes), RandomIds(rng, 1 + rng.NextInt(6), vocab))).ToArray();
        var dropoutKey = dropout > 0 ? new DropoutKey(seed, 3, 0) : (DropoutKey?)null;
        model.ZeroGradients();
        model.Forward(batch, dropoutKey, withLoss: true);
        model.Backward(1f);
        var analytic = (float[])model.Gradients.Clone();
        return new GradientCheckResult(spec, Compare(model.Layout, weights, analytic, () => model.Forward(batch, dropoutKey, withLoss: true)), tolerance);
    }

    /// <summary>
    /// The check of CBOW word embeddings (<see cref="Embeddings.CbowObjective"/>): one centre word of 7
    /// with a context of 4 words (one repeated) and, under negative sampling, 5 negatives that include the
    /// centre word (skipped) and a repeat; <paramref name="fullSoftmax"/> checks the course's full softmax instead.
    /// </summary>
    public static GradientCheckResult RunCbow(bool fullSoftmax, ulong seed = 7, double tolerance = DefaultTolerance)
    {
        const int vocab = 7, dim = 4;
        var spec = new ModelSpec(CellType.Cbow, vocab, 1, dim);
        var layout = ParameterLayout.For(spec);
        var weights = new float[layout.Size];
        var rng = new Rng(seed);
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = rng.NextFloat(-0.8f, 0.8f);
        }

        int[] context = [1, 2, 2, 5];
        int[] negatives = fullSoftmax ? [] : [0, 3, 6, 4, 6];
        const int target = 3;
        var objective = new Embeddings.CbowObjective(vocab, dim);
        var rows = new Training.GradientRows(2 * vocab, dim);
        objective.Loss(weights, context, target, negatives, fullSoftmax, rows, 1f);
        var analytic = new float[weights.Length];
        rows.CopyTo(analytic);
        return new GradientCheckResult(spec, Compare(layout, weights, analytic, () => objective.Loss(weights, context, target, negatives, fullSoftmax, null, 1f)), tolerance);
    }

    /// <summary>Per tensor, the worst disagreement of <paramref name="analytic"/> with central differences of <paramref name="loss"/> over <paramref name="weights"/>.</summary>
    private static List<TensorCheck> Compare(ParameterLayout layout, float[] weights, float[] analytic, Func<double> loss)
    {
        var results = new List<TensorCheck>();
        foreach (var tensor in layout.Tensors)
        {
            double maxRel = 0, maxAbs = 0;
            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                var saved = weights[i];
                weights[i] = saved + Epsilon;
                var plus = loss();
                weights[i] = saved - Epsilon;
                var minus = loss();
                weights[i] = saved;
                var numeric = (plus - minus) / (2.0 * Epsilon);
                var diff = Math.Abs(analytic[i] - numeric);
                maxAbs = Math.Max(maxAbs, diff);
                maxRel = Math.Max(maxRel, diff / Math.Max(Math.Abs(analytic[i]) + Math.Abs(numeric), Floor));
            }

            results.Add(new TensorCheck(tensor.Name, tensor.Length, maxRel, maxAbs));
        }

        return results;
    }

    private static int[] RandomIds(Rng rng, int count, int vocab)
    {
        var ids = new int[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = rng.NextInt(vocab);
        }

        return ids;
    }
}
