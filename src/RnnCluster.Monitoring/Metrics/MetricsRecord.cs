namespace RnnCluster.Monitoring.Metrics;

/// <summary>
/// One line of a run's <c>metrics.jsonl</c> (snake_case, null fields left out). <see cref="Kind"/> is
/// <c>start</c> (the run's <see cref="Label"/>, e.g. <c>lstm 2x200</c>, the corpus's
/// <see cref="OptimalPpl"/> when known, and <see cref="Resumed"/> when a job continues from its checkpoint), <c>step</c> (after every training step), <c>epoch</c> (after
/// validation), <c>member</c> (a worker <see cref="Joined"/> or left) or <c>end</c> (completed, failed
/// or cancelled: <see cref="Outcome"/>). <see cref="Time"/> is Unix time in seconds, so records of a
/// job resumed on another coordinator continue one time line.
/// <para>
/// Step records: <see cref="TrainPpl"/> is the epoch's training perplexity so far, <see cref="Window"/>
/// of <see cref="Windows"/> BPTT windows of the epoch are done, <see cref="TokensPerSec"/> is the run's
/// average throughput so far, <see cref="Tokens"/> and <see cref="TrainSeconds"/> the run's tokens trained
/// and seconds of training steps (two records give the throughput between them), <see cref="Lr"/> the
/// epoch's learning rate. Cluster steps also carry the step's
/// time split in milliseconds, summing to the step's wall time: <see cref="ComputeMs"/> (the workers'
/// mean forward and backward), <see cref="WaitMs"/> (the slowest worker's compute beyond the mean:
/// the barrier's wait for stragglers), <see cref="UpdateMs"/> (summing, clipping, applying) and
/// <see cref="CommunicationMs"/> (the rest: serialization and transfers); and megabytes (10⁶ bytes)
/// the busiest node sent (<see cref="MbSent"/>) and received (<see cref="MbReceived"/>): the central
/// parameter server's, or with a sharded server a worker's (the mean over workers).
/// </para>
/// Non-finite perplexities are written as the strings <c>"Infinity"</c> and <c>"NaN"</c>.
/// </summary>
public sealed record MetricsRecord(
    string Kind,
    double Time,
    long? Step = null,
    int? Epoch = null,
    int? Window = null,
    int? Windows = null,
    double? TrainPpl = null,
    double? ValidPpl = null,
    double? TokensPerSec = null,
    int? Workers = null,
    double? Lr = null,
    double? ComputeMs = null,
    double? WaitMs = null,
    double? UpdateMs = null,
    double? CommunicationMs = null,
    double? MbSent = null,
    double? MbReceived = null,
    string? Worker = null,
    bool? Joined = null,
    string? Label = null,
    double? OptimalPpl = null,
    string? Outcome = null,
    bool? Resumed = null,
    long? Tokens = null,
    double? TrainSeconds = null)
{
    public const string StartKind = "start";
    public const string StepKind = "step";
    public const string EpochKind = "epoch";
    public const string MemberKind = "member";
    public const string EndKind = "end";

    /// <summary>A <c>step</c> record of a progress report (no time split: a cluster adds it).</summary>
    public static MetricsRecord Of(Core.Training.ProgressReport r) => new(StepKind, Now(), Step: r.Step, Epoch: r.Epoch, Window: r.Window,
        Windows: r.WindowsPerEpoch, TrainPpl: r.TrainPerplexity, TokensPerSec: Math.Round(r.TokensPerSecond, 1), Workers: r.Workers,
        Lr: r.LearningRate, Tokens: r.Tokens, TrainSeconds: Math.Round(r.TrainSeconds, 4));

    /// <summary>An <c>epoch</c> record of an epoch report.</summary>
    public static MetricsRecord Of(Core.Training.EpochReport r) =>
        new(EpochKind, Now(), Epoch: r.Epoch, TrainPpl: r.TrainPerplexity, ValidPpl: r.ValidPerplexity, Lr: r.LearningRate);

    /// <summary>Unix time now, in seconds.</summary>
    public static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>
    /// Where the record falls in training, in epochs: a step record of window w of W in epoch e is at
    /// e − 1 + w/W, an epoch record at its epoch; null for records without a position.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double? EpochPosition => Kind switch
    {
        StepKind when Epoch is { } e && Window is { } w && Windows is > 0 and var n => e - 1 + (double)w / n,
        EpochKind when Epoch is { } e => e,
        _ => null,
    };
}
