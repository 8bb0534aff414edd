using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// A CBOW run's checkpoint is a model file of word embeddings: the commands for language models and
/// classifiers refuse it in one line that says what the file is and what reads its vectors.
/// </summary>
public static class EmbeddingCheckpoints
{
    /// <exception cref="ArgumentException">When <paramref name="trained"/> is CBOW word embeddings (naming the file and <paramref name="command"/>).</exception>
    public static void Refuse(ModelFile trained, string path, string command)
    {
        if (trained.Spec.IsEmbedding)
        {
            throw new ArgumentException($"{path} is a checkpoint of CBOW word embeddings, which {command} does not read: `--out` of a --task cbow run writes its vectors in word2vec's text format for `rnncluster neighbors` (finish this run with train --resume or submit --resume)");
        }
    }
}
