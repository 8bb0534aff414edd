using System.Globalization;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A running cluster job's checkpoint file, <c>&lt;dir&gt;/&lt;job-id&gt;.rnnc</c>: a
/// <see cref="TrainingCheckpoint"/> whose progress JSON also names the job id. When the job ends the file is renamed to <c>&lt;job-id&gt;.&lt;state&gt;.rnnc</c>,
/// so only jobs that were still running are resumed.
/// </summary>
internal static class JobCheckpoints
{
    public const string Extension = ".rnnc";

    public static string PathFor(string dir, string jobId) => Path.Combine(dir, jobId + Extension);

    /// <summary>Writes a job's checkpoint atomically (any task: <paramref name="data"/> is what it records of the job's data).</summary>
    /// <exception cref="CheckpointException">When the file cannot be written.</exception>
    public static void Write(string path, string jobId, JobDefinition job, CheckpointData data, TrainingSnapshot s)
        => TrainingCheckpoint.Write(path, job, data, s, [new("job_id", jobId)]);

    /// <summary>Reads a job checkpoint back. Throws <see cref="CheckpointException"/> or <see cref="ArgumentException"/>.</summary>
    public static (string JobId, JobDefinition Job, TrainingSnapshot Snapshot, Checkpoint Checkpoint) Read(string path)
    {
        var (job, snapshot, checkpoint, progress) = TrainingCheckpoint.Read(path);
        var jobId = progress["job_id"]?.GetValue<string>()
            ?? throw new ArgumentException($"{path} is a checkpoint of `train --checkpoint-dir`, not of a cluster job: continue it with rnncluster train --resume {path}");
        return (jobId, job, snapshot, checkpoint);
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
        => Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "job-*" + Extension).Select(JobNumber).Max() ?? 0 : 0;

    /// <summary>Renames a job's checkpoint to <c>&lt;job-id&gt;.&lt;state&gt;.rnnc</c> (overwriting an older one).</summary>
    public static void MarkEnded(string path, string state)
    {
        if (File.Exists(path))
        {
            File.Move(path, Path.ChangeExtension(path, "." + state + Extension), overwrite: true);
        }
    }

    private static int? JobNumber(string path)
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
