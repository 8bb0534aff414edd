using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A running cluster job's checkpoint file, <c>&lt;dir&gt;/&lt;job-id&gt;.rnnc</c>: the
/// <see cref="Checkpoint"/> of its weights and optimizer state, with every stream's hidden state as
/// extra named arrays ("stream_state.h.0", "stream_state.c.0", …) and the job definition and cursor in
/// the progress JSON. When the job ends the file is renamed to <c>&lt;job-id&gt;.&lt;state&gt;.rnnc</c>,
/// so only jobs that were still running are resumed.
/// </summary>
internal static class JobCheckpoints
{
    public const string Extension = ".rnnc";
    private const string StatePrefix = "stream_state.";

    public static string PathFor(string dir, string jobId) => Path.Combine(dir, jobId + Extension);

    public static void Write(string path, string jobId, JobDefinition job, TextDataset data, TrainingSnapshot s)
    {
        var arrays = new Dictionary<string, float[]>(s.OptimizerState, StringComparer.Ordinal);
        for (var l = 0; l < s.StateH.Length; l++)
        {
            arrays[StateName("h", l)] = s.StateH[l];
            if (s.StateC[l].Length > 0)
            {
                arrays[StateName("c", l)] = s.StateC[l];
            }
        }

        var progress = new JsonObject
        {
            ["job_id"] = jobId,
            ["job"] = JsonNode.Parse(job.ToJson()),
            ["epoch"] = s.Epoch,
            ["window"] = s.Window,
            ["step"] = s.Step,
            ["epoch_loss"] = s.EpochLoss,
            ["epoch_tokens"] = s.EpochTokens,
            ["total_tokens"] = s.TotalTokens,
            ["train_seconds"] = s.TrainSeconds,
        };
        var spec = job.ToModelSpec(data.Vocabulary.Count);
        CheckpointFile.Write(path, new Checkpoint(spec, TokenizerKinds.Name(data.Kind), data.Vocabulary.Tokens, s.Weights, arrays,
            progress.ToJsonString(MetricsJson.Options)));
    }

    /// <summary>Reads a job checkpoint back. Throws <see cref="CheckpointException"/> or <see cref="ArgumentException"/>.</summary>
    public static (string JobId, JobDefinition Job, TrainingSnapshot Snapshot, Checkpoint Checkpoint) Read(string path)
    {
        var checkpoint = CheckpointFile.Read(path);
        var progress = JsonNode.Parse(checkpoint.ProgressJson) as JsonObject
            ?? throw new ArgumentException($"{path}: progress is not a JSON object");
        var job = JobDefinition.FromJson(Required(progress, "job", path).ToJsonString());
        var layers = checkpoint.Spec.Layers;
        var h = new float[layers][];
        var c = new float[layers][];
        for (var l = 0; l < layers; l++)
        {
            h[l] = checkpoint.OptimizerState.TryGetValue(StateName("h", l), out var hl) ? hl
                : throw new ArgumentException($"{path}: no hidden state of layer {l}");
            c[l] = checkpoint.OptimizerState.GetValueOrDefault(StateName("c", l)) ?? [];
        }

        var optimizer = checkpoint.OptimizerState.Where(kv => !kv.Key.StartsWith(StatePrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var snapshot = new TrainingSnapshot(
            Required(progress, "epoch", path).GetValue<int>(),
            Required(progress, "window", path).GetValue<int>(),
            Required(progress, "step", path).GetValue<long>(),
            Required(progress, "epoch_loss", path).Deserialize<double>(MetricsJson.Options),
            Required(progress, "epoch_tokens", path).GetValue<long>(),
            Required(progress, "total_tokens", path).GetValue<long>(),
            Required(progress, "train_seconds", path).Deserialize<double>(MetricsJson.Options),
            checkpoint.Weights,
            optimizer,
            h,
            c);
        return (Required(progress, "job_id", path).GetValue<string>(), job, snapshot, checkpoint);
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

    private static string StateName(string which, int layer) => string.Create(CultureInfo.InvariantCulture, $"{StatePrefix}{which}.{layer}");

    private static JsonNode Required(JsonObject o, string name, string path)
        => o[name] ?? throw new ArgumentException($"{path}: progress has no '{name}'");

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
