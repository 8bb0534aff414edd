using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>
/// A checkpoint a run resumes from exactly (<c>train --resume</c>, a cluster job after a failover): the
/// <see cref="Checkpoint"/> of the weights and optimizer state, with every stream's hidden state as
/// extra named arrays ("stream_state.h.0", "stream_state.c.0", …) and the job definition and the
/// loop's cursor, sums and schedule state (<see cref="TrainingSnapshot"/>) in the progress JSON. It is
/// also a model file: <c>eval</c> and <c>generate</c> read its weights and ignore the rest.
/// </summary>
public static class TrainingCheckpoint
{
    private const string StatePrefix = "stream_state.";

    /// <summary>Writes a language model's checkpoint atomically; <paramref name="extra"/> adds fields of the caller's to the progress JSON (e.g. a job id).</summary>
    /// <exception cref="CheckpointException">When the file cannot be written.</exception>
    public static void Write(string path, JobDefinition job, TextDataset data, TrainingSnapshot s, IEnumerable<KeyValuePair<string, JsonNode?>>? extra = null)
        => Write(path, job, CheckpointData.Of(job, data), s, extra);

    /// <summary>
    /// Writes a checkpoint of any task atomically: <paramref name="data"/> gives the model, vocabulary
    /// and labels; the snapshot's stream state is empty for a classifier or CBOW, which carry none.
    /// </summary>
    /// <exception cref="CheckpointException">When the file cannot be written.</exception>
    public static void Write(string path, JobDefinition job, CheckpointData data, TrainingSnapshot s, IEnumerable<KeyValuePair<string, JsonNode?>>? extra = null)
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
            ["job"] = JsonNode.Parse(job.ToJson()),
            ["epoch"] = s.Epoch,
            ["window"] = s.Window,
            ["step"] = s.Step,
            ["epoch_loss"] = s.EpochLoss,
            ["epoch_tokens"] = s.EpochTokens,
            ["total_tokens"] = s.TotalTokens,
            ["train_seconds"] = s.TrainSeconds,
            ["lr"] = s.LearningRate,
            ["previous_valid_ppl"] = JsonSerializer.SerializeToNode(s.PreviousValid, MetricsJson.Options),
        };
        foreach (var (key, value) in extra ?? [])
        {
            progress[key] = value;
        }

        CheckpointFile.Write(path, new Checkpoint(data.Spec, data.Tokenizer, data.Vocabulary, s.Weights, arrays,
            progress.ToJsonString(MetricsJson.Options), data.Labels));
    }

    /// <summary>Reads a checkpoint written by <see cref="Write(string, JobDefinition, CheckpointData, TrainingSnapshot, IEnumerable{KeyValuePair{string, JsonNode}})"/>: the job, the snapshot, the container and the whole progress object.</summary>
    /// <exception cref="CheckpointException">When the file is missing, damaged or not a checkpoint.</exception>
    /// <exception cref="ArgumentException">When it is a model file without a run's state (naming the missing field).</exception>
    public static (JobDefinition Job, TrainingSnapshot Snapshot, Checkpoint Checkpoint, JsonObject Progress) Read(string path)
    {
        var checkpoint = CheckpointFile.Read(path);
        var progress = JsonNode.Parse(checkpoint.ProgressJson) as JsonObject
            ?? throw new ArgumentException($"{path}: progress is not a JSON object");
        if (progress["window"] is null || progress["job"] is not JsonObject)
        {
            throw new ArgumentException($"{path} is a model file written by --out, not a checkpoint of --checkpoint-dir: it holds no run's cursor to continue from");
        }

        var layers = ModelState.CarriedLayers(checkpoint.Spec);
        var h = new float[layers][];
        var c = new float[layers][];
        for (var l = 0; l < layers; l++)
        {
            h[l] = checkpoint.OptimizerState.TryGetValue(StateName("h", l), out var hl) ? hl
                : throw new ArgumentException($"{path}: no hidden state of layer {l} (a model file written by --out, not a checkpoint of --checkpoint-dir)");
            c[l] = checkpoint.OptimizerState.GetValueOrDefault(StateName("c", l)) ?? [];
        }

        var job = JobDefinition.FromJson(Required(progress, "job", path).ToJsonString());
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
            c,
            progress["lr"]?.GetValue<float>() ?? 0f,
            progress["previous_valid_ppl"]?.Deserialize<double>(MetricsJson.Options) ?? double.NaN);
        return (job, snapshot, checkpoint, progress);
    }

    /// <summary>A required progress field.</summary>
    /// <exception cref="ArgumentException">Naming the file and the field when it is missing.</exception>
    public static JsonNode Required(JsonObject o, string name, string path)
        => o[name] ?? throw new ArgumentException($"{path}: progress has no '{name}'");

    private static string StateName(string which, int layer) => string.Create(CultureInfo.InvariantCulture, $"{StatePrefix}{which}.{layer}");
}
