using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>Forwards reports to <paramref name="inner"/> and writes a checkpoint at each epoch end.</summary>
public sealed class EpochCheckpointer(ITrainingObserver inner, string directory, Action<string, EpochReport> save) : ITrainingObserver
{
    public void OnProgress(ProgressReport report) => inner.OnProgress(report);

    public void OnEpoch(EpochReport report)
    {
        save(Path.Combine(directory, $"epoch-{report.Epoch:D3}.rnnc"), report);
        inner.OnEpoch(report);
    }
}
