using System.Numerics.Tensors;

namespace RnnCluster.Core.Training;

/// <summary>Heavy-ball momentum: v = μ·v + g; w −= lr·v.</summary>
public sealed class MomentumOptimizer(int size, float momentum = 0.9f) : IOptimizer
{
    private readonly float[] _velocity = new float[size];

    public string Name => "momentum";

    public IReadOnlyDictionary<string, float[]> State => new Dictionary<string, float[]> { ["momentum"] = _velocity };

    public void Step(float[] weights, float[] gradients, float learningRate)
    {
        TensorPrimitives.MultiplyAdd(_velocity, momentum, gradients, _velocity);
        TensorPrimitives.MultiplyAdd(_velocity, -learningRate, weights, weights);
    }
}
