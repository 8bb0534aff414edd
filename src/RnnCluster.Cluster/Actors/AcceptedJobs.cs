using System.Text.Json;
using System.Text.Json.Nodes;
using RnnCluster.Core.Checkpoints;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The record of every job a coordinator with a checkpoint directory accepted, <c>&lt;dir&gt;/&lt;job-id&gt;.json</c>
/// (its job as submitted, and the checkpoint a <c>submit --resume</c> continues from): a job accepted
/// but not yet checkpointed (queued, or running before its first checkpoint) outlives a restart of the
/// whole cluster, and its number is never given to another job. When the job ends the file is renamed to
/// <c>&lt;job-id&gt;.&lt;state&gt;.json</c>, as its checkpoint is (<see cref="JobCheckpoints"/>), and
/// gets the job's final status (<c>"final"</c>), which the status lists after a restart.
/// </summary>
internal static class AcceptedJobs
{
    private const string Extension = ".json";

    // snake_case as the rest of the record; a final status may hold NaN (a job that ended before its first validation).
    private static readonly JsonSerializerOptions StatusJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string PathFor(string dir, string jobId) => Path.Combine(dir, jobId + Extension);

    /// <summary>Writes the record of an accepted job atomically.</summary>
    /// <exception cref="IOException">When it cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">When the directory may not be written.</exception>
    public static void Write(string dir, string jobId, string jobJson, string? resumeFrom)
    {
        var record = new JsonObject
        {
            ["job_id"] = jobId,
            ["accepted_utc"] = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["resume_from"] = resumeFrom,
            ["job"] = JsonNode.Parse(jobJson),
        };
        WriteRecord(PathFor(dir, jobId), record);
    }

    /// <summary>
    /// Renames a job's record to <c>&lt;job-id&gt;.&lt;state&gt;.json</c>, with <paramref name="final"/> in it
    /// when given (written atomically; nothing when there is no record).
    /// </summary>
    /// <exception cref="IOException">When the record cannot be read or written.</exception>
    /// <exception cref="UnauthorizedAccessException">When the directory may not be written.</exception>
    public static void MarkEnded(string dir, string jobId, string state, Protocol.JobStatus? final = null)
    {
        var path = PathFor(dir, jobId);
        if (!File.Exists(path))
        {
            return;
        }

        var ended = Path.Combine(dir, $"{jobId}.{state}{Extension}");
        JsonObject? record = null;
        try
        {
            record = final is null ? null : JsonNode.Parse(File.ReadAllText(path))?.AsObject();
        }
        catch (JsonException)
        {
            // an unreadable record is still renamed, as it is
        }

        if (record is null)
        {
            File.Move(path, ended, overwrite: true);
            return;
        }

        record["final"] = JsonSerializer.SerializeToNode(final, StatusJson);
        WriteRecord(ended, record);
        File.Delete(path);
    }

    private static void WriteRecord(string path, JsonObject record) => AtomicFile.Write(path, stream =>
    {
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        record.WriteTo(writer);
    });

    /// <summary>
    /// The final status of every job whose record in <paramref name="dir"/> or its replica directory says it
    /// ended (<c>&lt;job-id&gt;.&lt;state&gt;.json</c> with <c>"final"</c>), one per job, by job number. Records
    /// without a readable final status are left out.
    /// </summary>
    public static IReadOnlyList<Protocol.JobStatus> Ended(string dir)
    {
        var found = new Dictionary<string, Protocol.JobStatus>(StringComparer.Ordinal);
        foreach (var path in Records(dir, "job-*.*" + Extension))
        {
            try
            {
                var final = JsonNode.Parse(File.ReadAllText(path))?["final"]?.Deserialize<Protocol.JobStatus>(StatusJson);
                if (final is not null && JobCheckpoints.JobNumber(final.Id) is not null)
                {
                    found.TryAdd(final.Id, final);
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException or IOException or UnauthorizedAccessException)
            {
                // listed only when it can be read; the job's number still counts (HighestJobNumber)
            }
        }

        return [.. found.Values.OrderBy(s => JobCheckpoints.JobNumber(s.Id))];
    }

    /// <summary>
    /// The jobs <paramref name="dir"/> or its replica directory (the records other coordinators' supervisors
    /// sent, <see cref="CheckpointReplicator"/>) records as accepted and not ended that have no checkpoint
    /// in either (neither running nor ended), by job number: they start again from their beginning (or
    /// from the checkpoint their <c>submit --resume</c> named). Records that cannot be read are returned
    /// in <paramref name="unreadable"/> with the reason.
    /// </summary>
    public static IReadOnlyList<(string JobId, string JobJson, string? ResumeFrom)> Unstarted(string dir, out IReadOnlyList<(string Path, string Error)> unreadable)
    {
        var found = new List<(int, string, string, string?)>();
        var failed = new List<(string, string)>();
        foreach (var path in Records(dir, "job-*" + Extension))
        {
            var id = Path.GetFileNameWithoutExtension(path);
            if (JobCheckpoints.JobNumber(path) is not { } number || id.Contains('.', StringComparison.Ordinal) || HasCheckpoint(dir, id)
                || found.Any(f => f.Item2 == id) || HasEnded(dir, id))
            {
                continue;
            }

            try
            {
                var record = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("empty");
                var job = record["job"]?.ToJsonString() ?? throw new JsonException("no \"job\"");
                found.Add((number, id, job, record["resume_from"]?.GetValue<string>()));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                failed.Add((path, e.Message));
            }
        }

        unreadable = failed;
        return [.. found.OrderBy(f => f.Item1).Select(f => (f.Item2, f.Item3, f.Item4))];
    }

    /// <summary>The highest job number any record in <paramref name="dir"/> or its replica directory names (0: none).</summary>
    public static int HighestJobNumber(string dir)
        => Records(dir, "job-*" + Extension).Select(JobCheckpoints.JobNumber).Max() ?? 0;

    /// <summary>True when a record of the job's end (<c>&lt;job-id&gt;.&lt;state&gt;.json</c>) is in <paramref name="dir"/> or its replica directory.</summary>
    private static bool HasEnded(string dir, string jobId)
        => Records(dir, jobId + ".*" + Extension).Any();

    /// <summary>The files matching <paramref name="pattern"/> in <paramref name="dir"/> and its replica directory (those that exist).</summary>
    private static IEnumerable<string> Records(string dir, string pattern)
        => new[] { dir, JobCheckpoints.ReplicaDirectory(dir) }.Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, pattern));

    private static bool HasCheckpoint(string dir, string jobId)
        => Records(dir, jobId + ".*").Any(p => p.EndsWith(JobCheckpoints.Extension, StringComparison.Ordinal)); // job-N.rnnc or job-N.<state>.rnnc
}
