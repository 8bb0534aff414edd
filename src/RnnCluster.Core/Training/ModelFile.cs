using System.Text.Json;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>
/// A trained model as <c>eval</c>, <c>generate</c> and <c>predict</c> need it, stored as a checkpoint
/// file. <see cref="Labels"/> names a classifier's classes in class-id order (empty for a language model).
/// </summary>
public sealed record ModelFile(ModelSpec Spec, Vocabulary Vocabulary, TokenizerKind Kind, float[] Weights, IReadOnlyList<string> Labels)
{
    /// <summary>Writes spec, vocabulary, weights, optimizer state and progress atomically.</summary>
    public static void Save(string path, ModelSpec spec, TextDataset data, float[] weights, IOptimizer optimizer, object progress)
        => Save(path, spec, data, weights, optimizer.State, progress);

    /// <summary>
    /// Writes a trained model (the <c>--out</c> file of train and of a cluster job, and train's epoch
    /// checkpoints): spec, vocabulary, weights, optimizer state and <paramref name="progress"/> (serialized
    /// to JSON), atomically. Returns the file's full path.
    /// </summary>
    /// <exception cref="CheckpointException">When the file cannot be written.</exception>
    public static string Save(string path, ModelSpec spec, TextDataset data, float[] weights, IReadOnlyDictionary<string, float[]> optimizerState,
        object progress)
    {
        var checkpoint = new Checkpoint(spec, TokenizerKinds.Name(data.Kind), data.Vocabulary.Tokens, weights, optimizerState, JsonSerializer.Serialize(progress, MetricsJson.Options));
        CheckpointFile.Write(path, checkpoint);
        return Path.GetFullPath(path);
    }

    /// <summary>
    /// Writes a trained document classifier: like <see cref="Save(string, ModelSpec, TextDataset, float[], IReadOnlyDictionary{string, float[]}, object)"/>,
    /// with the word vocabulary and the class labels of <paramref name="data"/>. Returns the file's full path.
    /// </summary>
    /// <exception cref="CheckpointException">When the file cannot be written.</exception>
    public static string SaveClassifier(string path, ModelSpec spec, Classification.DocumentDataset data, float[] weights,
        IReadOnlyDictionary<string, float[]> optimizerState, object progress)
    {
        var checkpoint = new Checkpoint(spec, Checkpoint.WordTokenizer, data.Vocabulary.Tokens, weights, optimizerState,
            JsonSerializer.Serialize(progress, MetricsJson.Options), data.Labels);
        CheckpointFile.Write(path, checkpoint);
        return Path.GetFullPath(path);
    }

    /// <exception cref="CheckpointException">When the file is missing, damaged or not a model.</exception>
    public static ModelFile Load(string path)
    {
        var checkpoint = CheckpointFile.Read(path);
        return new ModelFile(checkpoint.Spec, Vocabulary.FromTokens(checkpoint.Vocabulary),
            TokenizerKinds.Parse(checkpoint.TokenizerKind), checkpoint.Weights, checkpoint.ClassLabels);
    }
}
