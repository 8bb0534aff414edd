namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A sync job's training state at a step boundary (copies, owned by the snapshot): the cursor
/// (<see cref="Window"/> windows of <see cref="Epoch"/> done, <see cref="Step"/> steps in all), the
/// epoch's loss and token sums, weights, optimizer state and every stream's hidden state per layer.
/// </summary>
internal sealed record RunSnapshot(
    int Epoch,
    int Window,
    long Step,
    double EpochLoss,
    long EpochTokens,
    long TotalTokens,
    double TrainSeconds,
    float[] Weights,
    IReadOnlyDictionary<string, float[]> OptimizerState,
    float[][] StateH,
    float[][] StateC);
