using System.Numerics.Tensors;

namespace RnnCluster.Core.Training;

/// <summary>Plain SGD: w −= lr·g.</summary>
public sealed class SgdOptimizer : IOptimizer
{
    public string Name => "sgd";

    public IReadOnlyDictionary<string, float[]> State { get; } = new Dictionary<string, float[]>();

    public void Step(float[] weights, float[] gradients, float learningRate)
        => TensorPrimitives.MultiplyAdd(gradients, -learningRate, weights, weights);
}
