using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Shows a cluster job's events the way <c>train</c> shows a local run (progress bar, JSON lines or
/// plain lines) and ends with the summary. A failed or cancelled job becomes a <see cref="CliError"/>.
/// A classify or cbow job (<paramref name="task"/>, when the caller knows it) shows its progress in
/// losses (see <see cref="LossView"/>); its summary is always its task's.
/// </summary>
public sealed class JobEventView(bool json, string? task = null)
{
    /// <summary>Exit code of watching a job that was cancelled (2 is a command line that cannot be parsed).</summary>
    public const int CancelledExitCode = 3;

    private readonly TrainingView _view = new(json);
    private readonly LossView? _losses = task switch
    {
        "classify" => new LossView(json, "document"),
        "cbow" => new LossView(json, "centre word"),
        _ => null,
    };

    /// <summary>Follows the events until the job's final one; returns the exit code (0: completed).</summary>
    /// <param name="detached">True when the job goes on without this process (watch, submit --watch): stopping says so.</param>
    /// <exception cref="CliError">When the job failed or was cancelled, or (detached) watching was stopped.</exception>
    public int Follow(string jobId, IAsyncEnumerable<JobEvent> events, CancellationToken cancel, bool detached = false)
    {
        // The summary is printed after the live progress display has ended, as `train` does.
        JobEvent completed;
        try
        {
            completed = _view.Run($"job {jobId}", () => FollowAsync(jobId, events, cancel).GetAwaiter().GetResult());
        }
        catch (OperationCanceledException) when (detached && cancel.IsCancellationRequested)
        {
            throw new CliError($"stopped watching {jobId}; the job goes on on the cluster (rnncluster watch {jobId} follows it again, rnncluster cancel {jobId} stops it)", 130);
        }

        if (completed is JobCompleted summary)
        {
            ShowSummary(summary);
        }
        else if (json)
        {
            JsonEvents.Write("ended_earlier", new { job = jobId, state = JobStates.Completed });
        }
        else
        {
            Console.WriteLine(EndedEarlier(jobId, "completed"));
        }

        return 0;
    }

    /// <summary>The job's final event: <see cref="JobCompleted"/>, or <see cref="JobEndedEarlier"/> of a job that completed; throws for the others.</summary>
    private async Task<JobEvent> FollowAsync(string jobId, IAsyncEnumerable<JobEvent> events, CancellationToken cancel)
    {
        await foreach (var e in events.WithCancellation(cancel))
        {
            switch (e)
            {
                case JobProgress { Report.WindowsPerEpoch: 0 }:
                    // A snapshot before the job's first step (queued, or just resumed): nothing trained yet.
                    break;
                case JobProgress p when _losses is not null:
                    _losses.OnProgress(p.Report);
                    break;
                case JobProgress p:
                    _view.OnProgress(p.Report);
                    break;
                case JobEpoch epoch when _losses is not null:
                    _losses.OnEpoch(epoch.Report, epoch.TokensExpected, epoch.ValidScores?.ToResult());
                    break;
                case JobEpoch epoch:
                    _view.OnEpoch(epoch.Report, epoch.TokensExpected);
                    break;
                case JobMemberEvent m:
                    ShowMember(m);
                    break;
                case JobCompleted c:
                    return c;
                case JobFailed f:
                    throw new CliError($"job {jobId} failed: {f.Reason}");
                case JobCancelled:
                    throw new CliError($"job {jobId} was cancelled", CancelledExitCode);
                case JobEndedEarlier { State: JobStates.Completed } ended:
                    return ended;
                case JobEndedEarlier ended:
                    throw new CliError(EndedEarlier(jobId, $"ended ({ended.State})"), ended.State == JobStates.Cancelled ? CancelledExitCode : 1);
            }
        }

        cancel.ThrowIfCancellationRequested();
        throw new CliError($"lost the event stream of job {jobId} before it ended");
    }

    private static string EndedEarlier(string jobId, string how)
        => $"job {jobId} {how} under an earlier job supervisor (before a failover or a restart of the cluster): there is nothing to follow; rnncluster status shows its final figures";

    private void ShowMember(JobMemberEvent m)
    {
        if (json)
        {
            JsonEvents.Write("member", new { worker = m.Worker, joined = m.Joined, workers = m.Workers });
        }
        else
        {
            _view.Info($"worker {m.Worker} {(m.Joined ? "joined" : "left")}; {m.Workers} worker(s) now");
        }
    }

    private void ShowSummary(JobCompleted c)
    {
        switch (c.Task)
        {
            case "classify" when c.Classification is { } scores:
                ClassificationPrinter.PrintSummary(c.Summary, scores.Valid.ToResult(), scores.Test?.ToResult(), scores.Labels, json, c.OutPath, c);
                break;
            case "cbow":
                CbowPrinter.Print(c.Summary, c.Words, negatives: -1, c.OutPath, json, c);
                break;
            default:
                SummaryPrinter.Print(c.Summary, json, c.OptimalPpl, c.OutPath, c);
                break;
        }
    }
}
