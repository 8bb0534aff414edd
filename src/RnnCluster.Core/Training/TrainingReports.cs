namespace RnnCluster.Core.Training;

/// <summary>
/// Emitted after every training step, by <c>train</c> and (on the wire, in <c>JobProgress</c>) by the
/// cluster; observers decide how often to show it. <see cref="Window"/> of <see cref="WindowsPerEpoch"/>
/// windows of <see cref="Epoch"/> are done; <see cref="TrainPerplexity"/> is the epoch's so far;
/// <see cref="LearningRate"/> the epoch's rate; <see cref="TokensPerSecond"/> the run's average so far.
/// <see cref="Tokens"/> and <see cref="TrainSeconds"/> are the run's totals (tokens trained, seconds of
/// training steps), so two reports give the throughput between them. Epoch 0: the job has not trained a step yet.
/// </summary>
public sealed record ProgressReport(
    int Epoch,
    long Step,
    int Window,
    int WindowsPerEpoch,
    double TrainPerplexity,
    double TokensPerSecond,
    int Workers,
    float LearningRate,
    long Tokens = 0,
    double TrainSeconds = 0);

/// <summary>
/// Emitted at each epoch end after validation (also on the wire, in <c>JobEpoch</c>). <see cref="Tokens"/>
/// counts the tokens the epoch's steps trained; <see cref="Seconds"/> is the epoch's wall time.
/// </summary>
public sealed record EpochReport(int Epoch, double TrainPerplexity, double ValidPerplexity, long Tokens, float LearningRate, double Seconds);

/// <summary>
/// The end of a run, for <c>train</c> and (in <c>JobCompleted</c>) for cluster jobs. <see cref="Tokens"/>
/// trained in <see cref="TrainSeconds"/> of training steps (without evaluation) give
/// <see cref="TokensPerSecond"/>; <see cref="WallSeconds"/> is the whole run. <see cref="WeightsSha256"/>
/// fingerprints the final weights (equal digests: bitwise-equal weights).
/// </summary>
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
