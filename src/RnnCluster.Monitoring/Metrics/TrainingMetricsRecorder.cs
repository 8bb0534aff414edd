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
            log.Write(MetricsRecord.Of(report));
        }
    }

    public void OnEpoch(EpochReport report)
    {
        next.OnEpoch(report);
        log.Write(MetricsRecord.Of(report));
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
        if (RunPlots.TryRedraw(log.Path, label) is { } error && !_warned)
        {
            warn($"--log-dir {_directory}: plots not drawn ({error}); the metrics log goes on");
            _warned = true;
        }
    }

    public void Dispose() => log.Dispose();
}
