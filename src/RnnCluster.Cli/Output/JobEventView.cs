using System.Diagnostics;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Shows a cluster job's events the way <c>train</c> shows a local run (progress bar, JSON lines or
/// plain lines) and ends with the summary. A failed or cancelled job becomes a <see cref="CliError"/>.
/// </summary>
public sealed class JobEventView(bool json)
{
    private readonly TrainingView _view = new(json);
    private readonly Stopwatch _epochClock = Stopwatch.StartNew();

    /// <summary>Follows the events until the job's final one; returns the exit code (0: completed).</summary>
    public int Follow(string jobId, IAsyncEnumerable<JobEvent> events, CancellationToken cancel)
    {
        // The summary is printed after the live progress display has ended, as `train` does.
        var completed = _view.Run($"job {jobId}", () => FollowAsync(jobId, events, cancel).GetAwaiter().GetResult());
        ShowSummary(completed);
        return 0;
    }

    private async Task<JobCompleted> FollowAsync(string jobId, IAsyncEnumerable<JobEvent> events, CancellationToken cancel)
    {
        await foreach (var e in events.WithCancellation(cancel))
        {
            switch (e)
            {
                case JobProgress { Epoch: 0 }:
                    // The snapshot a watch starts with, before the job's first step.
                    break;
                case JobProgress p:
                    _view.OnProgress(new ProgressReport(p.Epoch, p.Step, p.Window, p.WindowsPerEpoch, p.TrainPpl, p.TokensPerSec, p.Workers, p.Lr));
                    break;
                case JobEpoch epoch:
                    ShowEpoch(epoch);
                    break;
                case JobMemberEvent m:
                    ShowMember(m);
                    break;
                case JobCompleted c:
                    return c;
                case JobFailed f:
                    throw new CliError($"job {jobId} failed: {f.Reason}");
                case JobCancelled:
                    throw new CliError($"job {jobId} was cancelled", 2);
            }
        }

        cancel.ThrowIfCancellationRequested();
        throw new CliError($"lost the event stream of job {jobId} before it ended");
    }

    private void ShowEpoch(JobEpoch e)
    {
        var seconds = _epochClock.Elapsed.TotalSeconds;
        _epochClock.Restart();
        if (json)
        {
            JsonEvents.Write("epoch", new
            {
                epoch = e.Epoch,
                train_ppl = Math.Round(e.TrainPpl, 3),
                valid_ppl = Math.Round(e.ValidPpl, 3),
                tokens = e.Tokens,
                lr = e.Lr,
                seconds = Math.Round(seconds, 2),
                tokens_accounted = e.TokensAccounted,
                tokens_expected = e.TokensExpected,
            });
            return;
        }

        _view.OnEpoch(new EpochReport(e.Epoch, e.TrainPpl, e.ValidPpl, e.Tokens, e.Lr, seconds));
        if (e.TokensAccounted != e.TokensExpected)
        {
            _view.Info($"  token accounting mismatch: {e.TokensAccounted:N0} tokens trained this epoch, its windows hold {e.TokensExpected:N0}");
        }
    }

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
        var summary = new TrainingSummary(c.TokensPerSec, c.TrainPpl, c.ValidPpl, c.TestPpl, c.Steps, c.Epochs, c.WallSeconds, c.TrainSeconds, c.Tokens, c.Workers, c.WeightsSha256);
        SummaryPrinter.Print(summary, json, c.OptimalPpl, c.OutPath, c);
    }
}
