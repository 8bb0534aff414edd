using RnnCluster.Core.Training;
using RnnCluster.Monitoring.Plots;

namespace RnnCluster.Monitoring.Metrics;

/// <summary>
/// <c>train --log-dir DIR</c>: passes every report on to the next observer and records it in
/// <c>DIR/metrics.jsonl</c>; at each epoch end and at the end it redraws the run's plots in DIR
/// (<see cref="RunPlots.WriteRunPlots"/>). A failure to draw is reported through
/// <paramref name="warn"/> once and does not stop training.
/// </summary>
public sealed class TrainingMetricsRecorder(ITrainingObserver next, MetricsLog log, string label, double? optimalPpl, Action<string> warn)
    : ITrainingObserver, IDisposable
{
    private readonly string _directory = Path.GetDirectoryName(log.Path)!;
    private bool _warned;

    /// <summary>Writes the <c>start</c> record.</summary>
    public void Start() => log.Write(new MetricsRecord(MetricsRecord.StartKind, MetricsRecord.Now(), Label: label, OptimalPpl: optimalPpl));

    public void OnProgress(ProgressReport report)
    {
        next.OnProgress(report);
        if (report.WindowsPerEpoch > 0)
        {
            log.Write(new MetricsRecord(MetricsRecord.StepKind, MetricsRecord.Now(), Step: report.Step, Epoch: report.Epoch,
                Window: report.Window, Windows: report.WindowsPerEpoch, TrainPpl: report.TrainPerplexity,
                TokensPerSec: Math.Round(report.TokensPerSecond, 1), Workers: report.Workers, Lr: report.LearningRate,
                Tokens: report.Tokens, TrainSeconds: Math.Round(report.TrainSeconds, 4)));
        }
    }

    public void OnEpoch(EpochReport report)
    {
        next.OnEpoch(report);
        log.Write(new MetricsRecord(MetricsRecord.EpochKind, MetricsRecord.Now(), Epoch: report.Epoch,
            TrainPpl: report.TrainPerplexity, ValidPpl: report.ValidPerplexity, Lr: report.LearningRate));
        Plot();
    }

    /// <summary>Writes the <c>end</c> record (<c>completed</c>, <c>failed</c>, <c>cancelled</c>) and the final plots.</summary>
    public void Finish(string outcome)
    {
        log.Write(new MetricsRecord(MetricsRecord.EndKind, MetricsRecord.Now(), Outcome: outcome));
        Plot();
    }

    private void Plot()
    {
        try
        {
            RunPlots.WriteRunPlots(MetricsLog.Read(log.Path), _directory, label);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or DllNotFoundException or TypeInitializationException)
        {
            if (!_warned)
            {
                warn($"--log-dir {_directory}: plots not drawn ({e.Message}); the metrics log goes on");
                _warned = true;
            }
        }
    }

    public void Dispose() => log.Dispose();
}
