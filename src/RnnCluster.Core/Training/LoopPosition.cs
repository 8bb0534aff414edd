namespace RnnCluster.Core.Training;

/// <summary>
/// A <see cref="TrainingLoop"/>'s cursor (<paramref name="Window"/> windows of <paramref name="Epoch"/>
/// done, <paramref name="Step"/> steps in all) and its sums (loss in nats, tokens) at one moment: see
/// <see cref="TrainingLoop.Rewind"/>.
/// </summary>
public readonly record struct LoopPosition(int Epoch, int Window, long Step, double EpochLoss, long EpochTokens, long TotalTokens);
