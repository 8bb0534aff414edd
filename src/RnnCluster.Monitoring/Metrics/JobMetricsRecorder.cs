using System.Globalization;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Monitoring.Plots;

namespace RnnCluster.Monitoring.Metrics;

/// <summary>
/// On a coordinator node: turns the job supervisor's events (this node's event stream) into each job's
/// <c>LOG_DIR/JOB_ID/metrics.jsonl</c> and redraws its plots at each epoch end and at the end. A job
/// that starts afresh under an id whose directory exists (a new coordinator incarnation without a
/// checkpoint directory numbers jobs from 1 again) moves the old directory aside to
/// <c>JOB_ID.YYYYMMDD-HHMMSS</c>; a resumed job appends to its log. A job still running when the node
/// stops ends with outcome <c>stopped</c> (another coordinator may resume it). Every record also goes to
/// <c>onRecord</c> (the dashboard and Prometheus). A log that cannot be written is
/// reported once per job in the node's log; training goes on.
/// </summary>
public sealed class JobMetricsRecorder : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string? _logDir;
    private readonly Action<string, MetricsRecord> _onRecord;
    private readonly Dictionary<string, (MetricsLog? Log, string Label)> _jobs = new(StringComparer.Ordinal);

    public JobMetricsRecorder(string? logDir, Action<string, MetricsRecord> onRecord)
    {
        _logDir = logDir;
        _onRecord = onRecord;
        Receive<JobRunStarted>(OnStarted);
        Receive<JobProgress>(p => Write(p.JobId, Step(p)));
        Receive<JobEpoch>(e =>
        {
            Write(e.JobId, MetricsRecord.Of(e.Report));
            Plot(e.JobId);
        });
        Receive<JobMemberEvent>(m => Write(m.JobId, new MetricsRecord(MetricsRecord.MemberKind, MetricsRecord.Now(), Workers: m.Workers, Worker: m.Worker, Joined: m.Joined)));
        Receive<JobCompleted>(c => End(c.JobId, "completed"));
        Receive<JobFailed>(f => End(f.JobId, "failed"));
        Receive<JobCancelled>(c => End(c.JobId, "cancelled"));
    }

    /// <summary>The directory of job <paramref name="jobId"/>'s log under <paramref name="logDir"/>.</summary>
    public static string JobDirectory(string logDir, string jobId) => Path.Combine(logDir, jobId);

    /// <param name="logDir">null: records go to <c>onRecord</c> only, no files.</param>
    public static Props Props(string? logDir, Action<string, MetricsRecord> onRecord) =>
        Akka.Actor.Props.Create(() => new JobMetricsRecorder(logDir, onRecord));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(JobRunStarted));
        Context.System.EventStream.Subscribe(Self, typeof(JobEvent));
    }

    /// <summary>A job still open when the node stops (Ctrl-C, SIGTERM) gets an <c>end</c> record, <c>stopped</c>, and its plots.</summary>
    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        foreach (var jobId in _jobs.Keys.ToList())
        {
            End(jobId, "stopped");
        }
    }

    private static MetricsRecord Step(JobProgress p)
    {
        var record = MetricsRecord.Of(p.Report);
        if (p.Step is not { } t)
        {
            return record;
        }

        var (compute, wait, communication, update) = t.Split();
        var serverBusiest = t.MbDown + t.MbUp >= Math.Max(t.WorkerMbSent, t.WorkerMbReceived);
        return record with
        {
            ComputeMs = Math.Round(compute, 3),
            WaitMs = Math.Round(wait, 3),
            CommunicationMs = Math.Round(communication, 3),
            UpdateMs = Math.Round(update, 3),
            MbSent = Math.Round(serverBusiest ? t.MbDown : t.WorkerMbSent, 6),
            MbReceived = Math.Round(serverBusiest ? t.MbUp : t.WorkerMbReceived, 6),
        };
    }

    private void OnStarted(JobRunStarted started)
    {
        if (_jobs.Remove(started.JobId, out var previous))
        {
            previous.Log?.Dispose();
        }

        MetricsLog? log = null;
        if (_logDir is { } logDir)
        {
            var directory = JobDirectory(logDir, started.JobId);
            try
            {
                if (!started.Resumed && Directory.Exists(directory))
                {
                    var aside = $"{directory}.{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
                    Directory.Move(directory, aside);
                    _log.Info("{0}: an earlier run's metrics log under this id moved to {1}", started.JobId, aside);
                }

                log = MetricsLog.Append(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Warning("{0}: no metrics log in {1}: {2}", started.JobId, directory, e.Message);
            }
        }

        _jobs[started.JobId] = (log, $"{started.JobId}: {started.Label}");
        Write(started.JobId, new MetricsRecord(MetricsRecord.StartKind, MetricsRecord.Now(), Label: started.Label, OptimalPpl: started.OptimalPpl,
            Resumed: started.Resumed ? true : null));
    }

    private void Write(string jobId, MetricsRecord record)
    {
        _onRecord(jobId, record);
        if (!_jobs.TryGetValue(jobId, out var job) || job.Log is not { } log)
        {
            return;
        }

        try
        {
            log.Write(record);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _log.Warning("{0}: metrics log {1} not written, no more records go to it: {2}", jobId, log.Path, e.Message);
            log.Dispose();
            _jobs[jobId] = (null, job.Label);
        }
    }

    private void End(string jobId, string outcome)
    {
        Write(jobId, new MetricsRecord(MetricsRecord.EndKind, MetricsRecord.Now(), Outcome: outcome));
        Plot(jobId);
        if (_jobs.Remove(jobId, out var job))
        {
            job.Log?.Dispose();
        }
    }

    private void Plot(string jobId)
    {
        if (!_jobs.TryGetValue(jobId, out var job) || job.Log is not { } log)
        {
            return;
        }

        if (RunPlots.TryRedraw(log.Path, job.Label) is { } error)
        {
            _log.Warning("{0}: plots not drawn: {1}", jobId, error);
        }
    }
}
