namespace RnnCluster.Monitoring.Metrics;

/// <summary>
/// The metrics records of the jobs this coordinator node has run, in memory for the dashboard, each
/// numbered by a per-job sequence number (1, 2, …) that a polling page passes back to get only newer
/// records. A job seen for the first time starts from its metrics log on disk (the history of a job
/// resumed here after a failover, or of one that ran before this node started). Memory stays bounded:
/// past <see cref="MaxStepRecords"/> step records a job's older steps are thinned to every other one
/// (epochs, members, start and end are kept). Thread-safe.
/// </summary>
public sealed class JobMetricsStore(string? logDir)
{
    /// <summary>Step records kept per job before older ones are thinned.</summary>
    public const int MaxStepRecords = 20_000;

    private readonly Dictionary<string, JobRecords> _jobs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>
    /// Adds a record the node is about to write to <paramref name="jobId"/>'s log. The <c>start</c> of a
    /// run that is not resumed begins the job afresh (a job id a new supervisor numbers again).
    /// </summary>
    public void Add(string jobId, MetricsRecord record)
    {
        lock (_gate)
        {
            var fresh = record is { Kind: MetricsRecord.StartKind, Resumed: not true };
            if (fresh)
            {
                _jobs.Remove(jobId);
            }

            Records(jobId, loadHistory: !fresh).Add(record);
        }
    }

    /// <summary>
    /// The records of <paramref name="jobId"/> numbered above <paramref name="after"/>, and the last
    /// number; null when this node knows no such job and finds no log for it.
    /// </summary>
    public (IReadOnlyList<(long Seq, MetricsRecord Record)> Records, long Last)? After(string jobId, long after)
    {
        lock (_gate)
        {
            if (!_jobs.ContainsKey(jobId) && !File.Exists(LogPath(jobId)))
            {
                return null;
            }

            var job = Records(jobId, loadHistory: true);
            return (job.After(after), job.Last);
        }
    }

    private string LogPath(string jobId) => logDir is null ? string.Empty : Path.Combine(JobMetricsRecorder.JobDirectory(logDir, jobId), MetricsLog.FileName);

    private JobRecords Records(string jobId, bool loadHistory)
    {
        if (_jobs.TryGetValue(jobId, out var job))
        {
            return job;
        }

        job = new JobRecords();
        if (loadHistory && File.Exists(LogPath(jobId)))
        {
            try
            {
                foreach (var record in MetricsLog.Read(LogPath(jobId)))
                {
                    job.Add(record);
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // history unreadable: live records only
            }
        }

        _jobs[jobId] = job;
        return job;
    }

    private sealed class JobRecords
    {
        private readonly List<(long Seq, MetricsRecord Record)> _records = [];
        private int _steps;

        public long Last { get; private set; }

        public void Add(MetricsRecord record)
        {
            _records.Add((++Last, record));
            if (record.Kind == MetricsRecord.StepKind && ++_steps > MaxStepRecords)
            {
                Thin();
            }
        }

        public List<(long Seq, MetricsRecord Record)> After(long after)
        {
            // Sequence numbers ascend: binary search for the first above `after` (a page polls every second).
            int low = 0, high = _records.Count;
            while (low < high)
            {
                var middle = (low + high) / 2;
                (low, high) = _records[middle].Seq > after ? (low, middle) : (middle + 1, high);
            }

            return _records.GetRange(low, _records.Count - low);
        }

        /// <summary>Drops every other step record of the older half.</summary>
        private void Thin()
        {
            var half = _records.Count / 2;
            var kept = new List<(long, MetricsRecord)>(_records.Count);
            var step = 0;
            for (var i = 0; i < _records.Count; i++)
            {
                var isStep = _records[i].Record.Kind == MetricsRecord.StepKind;
                if (i >= half || !isStep || step++ % 2 == 0)
                {
                    kept.Add(_records[i]);
                }
            }

            _records.Clear();
            _records.AddRange(kept);
            _steps = _records.Count(r => r.Record.Kind == MetricsRecord.StepKind);
        }
    }
}
