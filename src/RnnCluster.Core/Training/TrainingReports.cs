namespace RnnCluster.Core.Training;

/// <summary>Emitted after every training step; observers decide how often to show it.</summary>
public sealed record ProgressReport(
    int Epoch,
    long Step,
    int Window,
    int WindowsPerEpoch,
    double TrainPerplexity,
    double TokensPerSecond,
    int Workers,
    float LearningRate);

/// <summary>Emitted at each epoch end after validation.</summary>
public sealed record EpochReport(int Epoch, double TrainPerplexity, double ValidPerplexity, long Tokens, float LearningRate, double Seconds);

public sealed record TrainingSummary(
    double TokensPerSecond,
    double TrainPerplexity,
    double ValidPerplexity,
    double? TestPerplexity,
    long Steps,
    int Epochs,
    double WallSeconds,
    double TrainSeconds,
    long Tokens,
    int Workers,
    string? WeightsSha256 = null);

public interface ITrainingObserver
{
    void OnProgress(ProgressReport report);

    void OnEpoch(EpochReport report);
}
