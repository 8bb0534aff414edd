using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>
/// <c>train --checkpoint-dir</c>: forwards reports to <paramref name="inner"/> and writes, through
/// <paramref name="write"/>, a checkpoint <c>train --resume</c> continues from exactly: after every
/// <paramref name="every"/>-th step inside an epoch (0: none) <c>step-NNNNNNNN.rnnc</c>, and at each
/// epoch's end, after validation, <c>epoch-NNN.rnnc</c> (with the epoch's validation perplexity). An
/// epoch cut short by <c>--max-steps</c> ends in <c>step-NNNNNNNN.rnnc</c> too: it is no epoch's end.
/// </summary>
public sealed class TrainCheckpointer(ITrainingObserver inner, string directory, int every, Action<string, EpochReport?> write) : ITrainingObserver
{
    private ProgressReport? _last;

    /// <summary>The path of the last checkpoint written (null: none yet).</summary>
    public string? LastWritten { get; private set; }

    public void OnProgress(ProgressReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _last = report;
        if (every > 0 && report.Step % every == 0 && report.Window < report.WindowsPerEpoch)
        {
            Write(Path.Combine(directory, $"step-{report.Step:D8}.rnnc"), null);
        }

        inner.OnProgress(report);
    }

    public void OnEpoch(EpochReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var cutShort = _last is { } last && last.Epoch == report.Epoch && last.Window < last.WindowsPerEpoch;
        Write(Path.Combine(directory, cutShort ? $"step-{_last!.Step:D8}.rnnc" : $"epoch-{report.Epoch:D3}.rnnc"), report);
        inner.OnEpoch(report);
    }

    /// <summary>The line a run that ended prints: where its checkpoints are (a run killed before its end continues from them with <c>train --resume</c>, which README and --help say).</summary>
    public string? Note() => LastWritten is { } path
        ? $"--checkpoint-dir: {directory} holds the run's checkpoints (the last: {Path.GetFileName(path)})"
        : null;

    private void Write(string path, EpochReport? report)
    {
        write(path, report);
        LastWritten = path;
    }
}
