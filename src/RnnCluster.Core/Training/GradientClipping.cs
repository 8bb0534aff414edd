using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Training;

public static class GradientClipping
{
    /// <summary>Scales the gradient so its global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double ClipGlobalNorm(Span<float> gradients, float maxNorm)
    {
        var norm = Math.Sqrt(Ops.SumOfSquares(gradients));
        if (maxNorm > 0 && norm > maxNorm)
        {
            TensorPrimitives.Multiply(gradients, (float)(maxNorm / norm), gradients);
        }

        return norm;
    }
}
