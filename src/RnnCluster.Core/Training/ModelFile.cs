using System.Text.Json;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>A trained model as <c>eval</c> and <c>generate</c> need it, stored as a checkpoint file.</summary>
public sealed record ModelFile(ModelSpec Spec, Vocabulary Vocabulary, TokenizerKind Kind, float[] Weights)
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

    public static ModelFile Load(string path)
    {
        var checkpoint = CheckpointFile.Read(path);
        return new ModelFile(checkpoint.Spec, Vocabulary.FromTokens(checkpoint.Vocabulary),
            TokenizerKinds.Parse(checkpoint.TokenizerKind), checkpoint.Weights);
    }
}
