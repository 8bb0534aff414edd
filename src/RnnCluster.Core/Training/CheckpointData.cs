using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>
/// What a checkpoint records of a job's data, so that a resumed run can check it trains on the same
/// words and classes: the model spec the data sets, the tokenizer (<see cref="Checkpoint.WordTokenizer"/>
/// or <see cref="Checkpoint.CharTokenizer"/>), the vocabulary in id order and a classifier's labels in
/// class order (null for the other tasks).
/// </summary>
public sealed record CheckpointData(ModelSpec Spec, string Tokenizer, IReadOnlyList<string> Vocabulary, IReadOnlyList<string>? Labels = null)
{
    /// <summary>A language model's text.</summary>
    public static CheckpointData Of(JobDefinition job, TextDataset data)
        => new(job.ToModelSpec(data.Vocabulary), TokenizerKinds.Name(data.Kind), data.Vocabulary.Tokens);

    /// <summary>A classifier's documents: words and class labels.</summary>
    public static CheckpointData Of(JobDefinition job, Classification.DocumentDataset data)
        => new(job.ToModelSpec(data.Vocabulary.Count, data.Labels.Count), Checkpoint.WordTokenizer, data.Vocabulary.Tokens, data.Labels);

    /// <summary>A CBOW corpus: its words.</summary>
    public static CheckpointData Of(JobDefinition job, Embeddings.CbowDataset data)
        => new(job.ToModelSpec(data.Vocabulary.Count), Checkpoint.WordTokenizer, data.Vocabulary.Tokens);

    /// <summary>True when <paramref name="checkpoint"/> was trained on this model, vocabulary and labels.</summary>
    public bool Matches(Checkpoint checkpoint)
        => checkpoint.Spec == Spec
            && checkpoint.Vocabulary.SequenceEqual(Vocabulary, StringComparer.Ordinal)
            && checkpoint.ClassLabels.SequenceEqual(Labels ?? [], StringComparer.Ordinal);
}
