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
    {
        var checkpoint = new Checkpoint(spec, TokenizerKinds.Name(data.Kind), data.Vocabulary.Tokens, weights, optimizer.State, JsonSerializer.Serialize(progress));
        CheckpointFile.Write(path, checkpoint);
    }

    public static ModelFile Load(string path)
    {
        var checkpoint = CheckpointFile.Read(path);
        return new ModelFile(checkpoint.Spec, Vocabulary.FromTokens(checkpoint.Vocabulary),
            TokenizerKinds.Parse(checkpoint.TokenizerKind), checkpoint.Weights);
    }
}
