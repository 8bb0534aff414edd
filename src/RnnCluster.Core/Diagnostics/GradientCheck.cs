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
/// parameter, through two windows so the carried state and truncation are part of what is checked.
/// Errors are relative: |a − n| / max(|a| + |n|, floor); the floor keeps float32 round-off on
/// near-zero gradients from reading as a failure.
/// </summary>
public static class GradientCheck
{
    public const double DefaultTolerance = 1e-2;
    private const float Epsilon = 1e-2f;
    private const double Floor = 1e-2;

    public static GradientCheckResult Run(CellType cell, int layers = 2, float dropout = 0.3f, ulong seed = 7, double tolerance = DefaultTolerance)
        => Run(cell, layers, dropout, seed, tolerance, corruptAnalytic: null);

    /// <param name="corruptAnalytic">Test hook: alters the analytic gradient to prove the check can fail.</param>
    internal static GradientCheckResult Run(CellType cell, int layers, float dropout, ulong seed, double tolerance, Action<LanguageModel, float[]>? corruptAnalytic)
    {
        const int vocab = 7, hidden = 5, batch = 3, steps = 4;
        var spec = new ModelSpec(cell, vocab, layers, hidden, dropout, InitScale: 0.5f, ForgetBias: 0f);
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

        var results = new List<TensorCheck>();
        foreach (var tensor in model.Layout.Tensors)
        {
            double maxRel = 0, maxAbs = 0;
            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                var saved = model.Weights[i];
                model.Weights[i] = saved + Epsilon;
                var plus = Loss();
                model.Weights[i] = saved - Epsilon;
                var minus = Loss();
                model.Weights[i] = saved;
                var numeric = (plus - minus) / (2.0 * Epsilon);
                var diff = Math.Abs(analytic[i] - numeric);
                maxAbs = Math.Max(maxAbs, diff);
                maxRel = Math.Max(maxRel, diff / Math.Max(Math.Abs(analytic[i]) + Math.Abs(numeric), Floor));
            }

            results.Add(new TensorCheck(tensor.Name, tensor.Length, maxRel, maxAbs));
        }

        return new GradientCheckResult(spec, results, tolerance);
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
