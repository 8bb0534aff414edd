using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Diagnostics;

/// <summary>
/// The worst disagreement between backprop and finite differences within one parameter tensor, over
/// <c>Count</c> of its parameters; <c>Skipped</c> more were not compared because their ±ε crossed a kink
/// of the loss (a max-over-time winner or a ReLU changed), where central differences do not measure the gradient.
/// </summary>
public sealed record TensorCheck(string Tensor, int Count, double MaxRelativeError, double MaxAbsoluteError, int Skipped = 0);

public sealed record GradientCheckResult(ModelSpec Spec, IReadOnlyList<TensorCheck> Tensors, double Tolerance)
{
    public double MaxRelativeError => Tensors.Max(t => t.MaxRelativeError);

    /// <summary>Every tensor within <see cref="Tolerance"/> (NaN is not), with at least as many of its sampled parameters compared as skipped at kinks.</summary>
    public bool Passed => MaxRelativeError <= Tolerance && Tensors.All(t => t.Skipped <= t.Count);
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

    /// <summary>ε, then ε/10 and ε/100 for a parameter whose ±ε crosses a kink (<see cref="TensorCheck.Skipped"/>).</summary>
    private static readonly float[] Steps = [Epsilon, 1e-3f, 1e-4f];
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
        var spec = new ModelSpec(cell, vocab, layers, hidden, dropout, InitScale: 0.5f, ForgetBias: 0f) { TieWeights = tieWeights }
            .WithSpellings(CharacterModelWords);
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

        // The character-aware model's highway alone has 2·525² weights: a sample of each tensor is checked.
        return new GradientCheckResult(spec, Compare(model.Layout, model.Weights, analytic, Loss, spec.IsCharacterAware ? CharacterModelSample : int.MaxValue,
            spec.IsCharacterAware ? () => model.KinkSignature!.Value : null), tolerance);
    }

    /// <summary>The character-aware model's check spells a 7-word vocabulary of 1–5 characters over 5 letters and &lt;, &gt;.</summary>
    private static readonly string[] CharacterModelWords = ["a", "bc", "cab", "dd", "eeba", "b", "<unk>"];

    /// <summary>Parameters checked per tensor of the character-aware model (spread evenly over the tensor).</summary>
    private const int CharacterModelSample = 48;

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

    /// <summary>
    /// Per tensor, the worst disagreement of <paramref name="analytic"/> with central differences of
    /// <paramref name="loss"/> over <paramref name="weights"/>: every parameter, or
    /// <paramref name="perTensor"/> spread evenly over a larger tensor (its first and last included).
    /// With <paramref name="kinks"/> (the last loss's piecewise choices), a parameter whose ±ε changes
    /// them is skipped and counted.
    /// </summary>
    private static List<TensorCheck> Compare(ParameterLayout layout, float[] weights, float[] analytic, Func<double> loss, int perTensor = int.MaxValue,
        Func<long>? kinks = null)
    {
        var results = new List<TensorCheck>();
        loss();
        var smooth = kinks?.Invoke() ?? 0;
        foreach (var tensor in layout.Tensors)
        {
            double maxRel = 0, maxAbs = 0;
            var count = Math.Min(tensor.Length, perTensor);
            var skipped = 0;
            for (var k = 0; k < count; k++)
            {
                var i = tensor.Offset + (count == tensor.Length ? k : (int)((long)k * (tensor.Length - 1) / (count - 1)));
                var saved = weights[i];
                // A step that crosses a kink is retried 10 and 100 times smaller before the parameter is skipped.
                // float32 round-off in the loss grows in the difference quotient as 1/ε: so does the floor.
                // A non-finite loss is compared (and fails), never taken for a kink.
                double numeric = 0, floor = Floor;
                var compared = false;
                foreach (var epsilon in Steps)
                {
                    weights[i] = saved + epsilon;
                    var plus = loss();
                    var crossed = kinks is not null && kinks() != smooth;
                    weights[i] = saved - epsilon;
                    var minus = loss();
                    crossed |= kinks is not null && kinks() != smooth;
                    weights[i] = saved;
                    if (!crossed)
                    {
                        numeric = (plus - minus) / (2.0 * epsilon);
                        floor = Floor * Epsilon / epsilon;
                        compared = true;
                        break;
                    }
                }

                if (!compared)
                {
                    skipped++;
                    continue;
                }

                var diff = Math.Abs(analytic[i] - numeric);
                maxAbs = Math.Max(maxAbs, diff);
                maxRel = Math.Max(maxRel, diff / Math.Max(Math.Abs(analytic[i]) + Math.Abs(numeric), floor));
            }

            results.Add(new TensorCheck(tensor.Name, count - skipped, maxRel, maxAbs, skipped));
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
