namespace RnnCluster.Core.Training;

/// <summary>The update every trainer applies: clip by global norm, then the optimizer step.</summary>
public static class ParameterUpdate
{
    /// <summary>Returns the gradient norm before clipping.</summary>
    public static double Apply(float[] weights, float[] gradients, IOptimizer optimizer, float learningRate, float clip)
    {
        var norm = GradientClipping.ClipGlobalNorm(gradients, clip);
        if (!double.IsFinite(norm))
        {
            throw new InvalidOperationException($"the gradient norm is {norm}: training diverged (try a lower --lr or --clip)");
        }

        optimizer.Step(weights, gradients, learningRate);
        return norm;
    }
}
