namespace RnnCluster.Core.Training;

/// <summary>(Σ cross-entropy in nats, tokens predicted) of one step's window over the streams a source computes.</summary>
public readonly record struct StepGradient(double LossSum, long Tokens);

/// <summary>
/// The one seam of <see cref="TrainingLoop"/>: where a step's summed gradient comes from. In one
/// process it is <see cref="StreamGroupsGradient"/> (groups of streams in parallel over threads);
/// the cluster's parameter server plays the same part asynchronously, sending the step to its workers
/// and handing the summed gradient to <see cref="TrainingLoop.Apply"/> when all have answered.
/// </summary>
public interface IGradientSource
{
    /// <summary>Windows per epoch of the source's streams.</summary>
    int WindowCount { get; }

    /// <summary>The summed gradient of the last <see cref="Compute"/>, in the model's parameter layout.</summary>
    float[] Gradient { get; }

    /// <summary>Where the last gradient may be non-zero (the dense part and the embedding rows the window touched).</summary>
    GradientSupport Support { get; }

    /// <summary>
    /// Computes the gradient of <c>lossScale · Σ CE</c> of window <paramref name="window"/> of every
    /// stream at the current weights into <see cref="Gradient"/> (overwriting it), advancing each
    /// stream's hidden state. <paramref name="step"/> and <paramref name="seed"/> key the dropout masks.
    /// </summary>
    StepGradient Compute(int window, long step, ulong seed, float lossScale);

    /// <summary>Zeroes every stream's hidden state (at an epoch start).</summary>
    void ResetState();
}

/// <summary>
/// A gradient source whose step gradient is sparse rows held compactly (<see cref="GradientRows"/>):
/// with plain SGD the loop applies those rows directly (<see cref="ParameterUpdate.ApplyRows"/>), the
/// same update bit for bit as through <see cref="IGradientSource.Gradient"/> and its support, without
/// writing the layout-sized gradient out.
/// </summary>
public interface IRowGradientSource : IGradientSource
{
    /// <summary>The last <see cref="IGradientSource.Compute"/>'s gradient as rows.</summary>
    GradientRows Rows { get; }
}
