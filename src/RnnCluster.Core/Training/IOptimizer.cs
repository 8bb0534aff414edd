namespace RnnCluster.Core.Training;

/// <summary>An update rule over the flat parameter vector; its state shares the parameter layout.</summary>
public interface IOptimizer
{
    string Name { get; }

    /// <summary>Named state arrays (momentum, Adam moments), saved in checkpoints.</summary>
    IReadOnlyDictionary<string, float[]> State { get; }

    void Step(float[] weights, float[] gradients, float learningRate);
}
