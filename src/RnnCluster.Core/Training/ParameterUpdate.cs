namespace RnnCluster.Core.Training;

/// <summary>The update every trainer applies: clip by global norm, then the optimizer step.</summary>
public static class ParameterUpdate
{
    /// <summary>
    /// Clips <paramref name="gradients"/> (scaled in place) to global L2 norm <paramref name="clip"/>
    /// (0: no clipping), then steps the optimizer at <paramref name="learningRate"/>. With a
    /// <paramref name="support"/> the norm, the clipping and an SGD step touch only the gradient's
    /// non-zero part (momentum and Adam still step every weight). Returns the norm before clipping.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the norm is not finite: training diverged.</exception>
    public static double Apply(float[] weights, float[] gradients, IOptimizer optimizer, float learningRate, float clip,
        GradientSupport? support = null)
    {
        double norm;
        if (support is null)
        {
            norm = GradientClipping.ClipGlobalNorm(gradients, clip);
        }
        else
        {
            norm = Math.Sqrt(support.SumOfSquares(gradients));
            if (ClipFactor(norm, clip) is { } factor)
            {
                support.Scale(gradients, factor);
            }
        }

        CheckFinite(norm);

        if (support is not null && optimizer is SgdOptimizer)
        {
            support.SgdStep(weights, gradients, learningRate);
        }
        else
        {
            optimizer.Step(weights, gradients, learningRate);
        }

        return norm;
    }

    /// <summary>
    /// As <see cref="Apply"/> with plain SGD on a gradient held as <paramref name="rows"/> (scaled in
    /// place when clipped): the same norm (rows' squares in ascending row order), clipping and
    /// w ← w − lr·g on each row, so the weights match the full-vector path bit for bit. Returns the norm before clipping.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the norm is not finite: training diverged.</exception>
    public static double ApplyRows(float[] weights, GradientRows rows, float learningRate, float clip)
    {
        var norm = Math.Sqrt(rows.SumOfSquares());
        if (ClipFactor(norm, clip) is { } factor)
        {
            rows.Scale(factor);
        }

        CheckFinite(norm);
        rows.SgdStep(weights, learningRate);
        return norm;
    }

    /// <summary>The factor that scales a gradient of L2 norm <paramref name="norm"/> down to <paramref name="clip"/>; null when it needs no clipping (or clip is 0).</summary>
    public static float? ClipFactor(double norm, float clip) => clip > 0 && norm > clip ? (float)(clip / norm) : null;

    /// <exception cref="InvalidOperationException">When <paramref name="norm"/> is not finite: training diverged.</exception>
    public static void CheckFinite(double norm)
    {
        if (!double.IsFinite(norm))
        {
            throw new InvalidOperationException($"the gradient norm is {norm}: training diverged (try a lower --lr or --clip)");
        }
    }
}
