using System.Text.Json;
using System.Text.Json.Nodes;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// Where <c>train --resume</c> starts: a <see cref="TrainingCheckpoint"/> of <c>train --checkpoint-dir</c>
/// with the fields train adds to its progress: whether its epoch is done, the validation perplexity
/// of the epoch report it was written with, and the best epoch so far (for <c>--keep-best</c>).
/// </summary>
public sealed record ResumePoint(string Path, JobDefinition Job, TrainingSnapshot Snapshot, Checkpoint Checkpoint, double? EndedEpochValid, EpochReport? Best, bool EpochDone)
{
    /// <exception cref="ArgumentException">Naming --resume and the file: it is missing, damaged, or not a checkpoint of a run.</exception>
    public static ResumePoint Read(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("--resume: the path is empty; give a checkpoint of --checkpoint-dir, e.g. DIR/epoch-001.rnnc");
        }

        try
        {
            var (job, snapshot, checkpoint, progress) = TrainingCheckpoint.Read(path);
            var best = Number(progress, "best_valid_ppl") is { } bestValid && progress["best_epoch"] is { } bestEpoch
                ? new EpochReport(bestEpoch.GetValue<int>(), double.NaN, bestValid, 0, 0, 0)
                : null;
            var valid = Number(progress, "valid_ppl");

            // Older checkpoints lack "epoch_done": a validation then marked an epoch's end (also a step limit's, wrongly).
            var epochDone = progress["epoch_done"] is { } done && done.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? done.GetValue<bool>() : valid is not null;
            return new ResumePoint(System.IO.Path.GetFullPath(path), job, snapshot, checkpoint, valid, best, epochDone);
        }
        catch (Exception e) when (e is ArgumentException or CheckpointException)
        {
            throw new ArgumentException($"--resume: {e.Message}", e);
        }
    }

    /// <summary>Epochs the checkpoint has finished: its epoch when it was taken at that epoch's end, else those before it.</summary>
    public int EpochsTrained => Snapshot.Epoch - (EpochDone ? 0 : 1);

    /// <summary>
    /// The fields train adds to a checkpoint's progress: the validation perplexity of the epoch report it
    /// was taken with (null mid-epoch; a step limit's end has one too), whether its epoch is done, and the best epoch so far.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, JsonNode?>> Fields(double? endedEpochValid, EpochReport? best, bool epochDone) =>
    [
        new("epoch_done", epochDone),
        new("valid_ppl", endedEpochValid is { } v ? JsonSerializer.SerializeToNode(v, MetricsJson.Options) : null),
        new("best_epoch", best?.Epoch),
        new("best_valid_ppl", best is null ? null : JsonSerializer.SerializeToNode(best.ValidPerplexity, MetricsJson.Options)),
    ];

    /// <summary>Continues a trainer from this point (its snapshot and the ended epoch's validation), naming --resume and the file in an error.</summary>
    /// <param name="resume">The trainer's resume: Trainer, ClassifierTrainer or CbowTrainer.Resume.</param>
    /// <exception cref="ArgumentException">When the checkpoint does not fit the run or ends it.</exception>
    public void Apply(Action<TrainingSnapshot, double?> resume)
    {
        try
        {
            resume(Snapshot, EndedEpochValid);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--resume {Path}: {e.Message}", e);
        }
    }

    /// <summary>The line a resumed run prints at its start: where it continues (<paramref name="loop"/> restored from this point).</summary>
    public string Describe(TrainingLoop loop)
        => $"--resume {Path}: epoch {loop.Epoch}, step {loop.Step} of the run (window {loop.Window} of {loop.Windows}), lr {loop.Lr:G4}";

    /// <summary>
    /// The error for the run's files (corpus, validation, test text) when they cannot be read: a resumed run
    /// reads them where its checkpoint recorded them (absolute paths), which no flag beside --resume changes.
    /// </summary>
    public Core.Text.CorpusException DataUnreadable(Core.Text.CorpusException e)
        => new($"--resume {Path}: the run reads the files its checkpoint recorded, at the same paths: {e.Message} (put the file back there)", e);

    /// <summary>The corpus must give the model, vocabulary and (a classifier's) labels the checkpoint was trained with.</summary>
    /// <exception cref="ArgumentException">Naming --resume, when the corpus or the model differs.</exception>
    public void Check(CheckpointData data)
    {
        if (!data.Matches(Checkpoint))
        {
            throw new ArgumentException($"--resume {Path}: the corpus ({Job.Corpus ?? "the built-in corpus"}) no longer gives the vocabulary or model the checkpoint was trained with; restore the corpus or start a new run");
        }
    }

    private static double? Number(JsonObject progress, string name)
        => progress[name] is { } node && node.GetValueKind() != JsonValueKind.Null ? node.Deserialize<double>(MetricsJson.Options) : null;
}
