using System.Globalization;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A running cluster job's checkpoint file, <c>&lt;dir&gt;/&lt;job-id&gt;.rnnc</c>: a
/// <see cref="TrainingCheckpoint"/> whose progress JSON also names the job id. When the job ends the file is renamed to <c>&lt;job-id&gt;.&lt;state&gt;.rnnc</c>,
/// so only jobs that were still running are resumed. Other coordinators keep a copy of it in
/// <c>&lt;their dir&gt;/replicas/</c> (<see cref="CheckpointReplicator"/>), named the same way.
/// </summary>
internal static class JobCheckpoints
{
    public const string Extension = ".rnnc";

    public static string PathFor(string dir, string jobId) => Path.Combine(dir, jobId + Extension);

    /// <summary>Where a coordinator whose checkpoint directory is <paramref name="dir"/> keeps the other coordinators' checkpoints.</summary>
    public static string ReplicaDirectory(string dir) => Path.Combine(dir, "replicas");

    /// <summary>
    /// Writes a job's checkpoint atomically (any task: <paramref name="data"/> is what it records of the
    /// job's data); <paramref name="started"/> (UTC) is when the job started, so a resumed job's wall time
    /// counts from there (the failover's downtime included).
    /// </summary>
    /// <exception cref="CheckpointException">When the file cannot be written.</exception>
    public static void Write(string path, string jobId, JobDefinition job, CheckpointData data, TrainingSnapshot s, DateTime started)
        => TrainingCheckpoint.Write(path, job, data, s, [new("job_id", jobId), new("started_utc", started.ToString("O", CultureInfo.InvariantCulture))]);

    /// <summary>Reads a job checkpoint back. Throws <see cref="CheckpointException"/> or <see cref="ArgumentException"/>.</summary>
    public static JobCheckpoint Read(string path)
    {
        var (job, snapshot, checkpoint, progress) = TrainingCheckpoint.Read(path);
        var jobId = progress["job_id"]?.GetValue<string>()
            ?? throw new ArgumentException($"{path} is a checkpoint of `train --checkpoint-dir`, not of a cluster job: continue it with rnncluster train --resume {path}");
        var started = progress["started_utc"]?.GetValue<string>() is { } text
            && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? at.ToUniversalTime()
            : (DateTime?)null;
        return new(path, jobId, job, snapshot, checkpoint, started);
    }

    /// <summary>
    /// The checkpoints of jobs that were running when their supervisor stopped, in
    /// <paramref name="dir"/> and its replica directory, the latest step of each job (a replica can be
    /// later than this node's own file, written before the supervisor last moved away), by job number.
    /// Files that cannot be read are returned in <paramref name="unreadable"/> with the reason.
    /// </summary>
    public static IReadOnlyList<JobCheckpoint> LatestRunning(string dir, out IReadOnlyList<(string Path, string Error)> unreadable)
    {
        var latest = new Dictionary<string, JobCheckpoint>(StringComparer.Ordinal);
        var failed = new List<(string, string)>();
        foreach (var path in Running(dir).Concat(Running(ReplicaDirectory(dir))))
        {
            try
            {
                var read = Read(path);
                if (!latest.TryGetValue(read.JobId, out var known) || read.Snapshot.Step > known.Snapshot.Step)
                {
                    latest[read.JobId] = read;
                }
            }
            catch (Exception e) when (e is CheckpointException or ArgumentException)
            {
                failed.Add((path, e.Message));
            }
        }

        unreadable = failed;
        return [.. latest.Values.OrderBy(c => JobNumber(c.Path))];
    }

    /// <summary>The checkpoints of jobs that were running when their supervisor stopped, by job number.</summary>
    public static IReadOnlyList<string> Running(string dir)
        => Directory.Exists(dir)
            ? [.. Directory.EnumerateFiles(dir, "job-*" + Extension)
                .Where(p => JobNumber(p) is not null && Path.GetFileNameWithoutExtension(p).IndexOf('.', StringComparison.Ordinal) < 0)
                .OrderBy(p => JobNumber(p))]
            : [];

    /// <summary>The highest job number with any checkpoint in <paramref name="dir"/> (0: none), so new ids never reuse a file.</summary>
    public static int HighestJobNumber(string dir)
        => Math.Max(HighestIn(dir), HighestIn(ReplicaDirectory(dir)));

    private static int HighestIn(string dir)
        => Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "job-*" + Extension).Select(JobNumber).Max() ?? 0 : 0;

    /// <summary>Renames a job's checkpoint to <c>&lt;job-id&gt;.&lt;state&gt;.rnnc</c> (overwriting an older one).</summary>
    public static void MarkEnded(string path, string state)
    {
        if (File.Exists(path))
        {
            File.Move(path, Path.ChangeExtension(path, "." + state + Extension), overwrite: true);
        }
    }

    /// <summary>The number of a job id or file name (<c>job-12</c>, <c>job-12.completed.rnnc</c>: 12), null for other names.</summary>
    public static int? JobNumber(string path)
    {
        var name = Path.GetFileName(path);
        var digits = name.AsSpan("job-".Length);
        var end = 0;
        while (end < digits.Length && char.IsAsciiDigit(digits[end]))
        {
            end++;
        }

        return end > 0 && int.TryParse(digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}

/// <summary>A job checkpoint as read: its file, job, training state and when the job started (UTC; null in files of before 2026-12).</summary>
internal sealed record JobCheckpoint(string Path, string JobId, JobDefinition Job, TrainingSnapshot Snapshot, Checkpoint Checkpoint, DateTime? Started);
