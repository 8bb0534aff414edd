using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>
/// <c>train --checkpoint-dir</c>: forwards reports to <paramref name="inner"/> and writes, through
/// <paramref name="write"/>, a checkpoint <c>train --resume</c> continues from exactly: after every
/// <paramref name="every"/>-th step inside an epoch (0: none) <c>step-NNNNNNNN.rnnc</c>, and at each
/// epoch's end, after validation, <c>epoch-NNN.rnnc</c> (with the epoch's validation perplexity).
/// </summary>
public sealed class TrainCheckpointer(ITrainingObserver inner, string directory, int every, Action<string, EpochReport?> write) : ITrainingObserver
{
    public void OnProgress(ProgressReport report)
    {
        if (every > 0 && report.Step % every == 0 && report.Window < report.WindowsPerEpoch)
        {
            write(Path.Combine(directory, $"step-{report.Step:D8}.rnnc"), null);
        }

        inner.OnProgress(report);
    }

    public void OnEpoch(EpochReport report)
    {
        write(Path.Combine(directory, $"epoch-{report.Epoch:D3}.rnnc"), report);
        inner.OnEpoch(report);
    }
}
