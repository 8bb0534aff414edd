using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Classification;
using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The training data of a classify or cbow job on the wire (<see cref="TaskCorpus"/>): packed by the
/// parameter server once per job, unpacked by each worker into the Core gradient source of its slots.
/// </summary>
internal static class TaskCorpora
{
    /// <summary>The training documents of a classify job, packed (B documents a window).</summary>
    public static TaskCorpus Pack(Document[] documents, ModelSpec spec, int batch)
    {
        var starts = new int[documents.Length + 1];
        for (var d = 0; d < documents.Length; d++)
        {
            starts[d + 1] = checked(starts[d] + documents[d].Words.Length);
        }

        var words = new int[starts[^1]];
        for (var d = 0; d < documents.Length; d++)
        {
            documents[d].Words.CopyTo(words, starts[d]);
        }

        return new TaskCorpus("classify", batch, words, starts, [.. documents.Select(d => d.Label)], [], spec.Classes, spec.MaxWords);
    }

    /// <summary>The training text of a cbow job, packed (B corpus positions a window).</summary>
    public static TaskCorpus Pack(SentenceCorpus corpus, long[] counts, CbowSettings settings, int batch)
        => new("cbow", batch, corpus.Words, corpus.SentenceStarts, [], counts, Window: settings.Window, Negative: settings.Negatives, Subsample: settings.Subsample);

    /// <summary>The model the corpus trains: the shard's cell and sizes with the classify job's classes and word limit.</summary>
    public static ModelSpec Spec(ModelSpec shardSpec, TaskCorpus corpus) => shardSpec with { Classes = corpus.Classes, MaxWords = corpus.MaxWords };

    /// <summary>
    /// The gradient source of slots [<paramref name="firstSlot"/>, +Σ<paramref name="groupSizes"/>) of
    /// every window: a <see cref="DocumentBatchGradient"/> or a <see cref="CbowGradient"/> restricted to
    /// those stream groups, on <paramref name="weights"/>.
    /// </summary>
    /// <exception cref="ArgumentException">When the corpus is malformed or of another task, or the groups do not fit its batch.</exception>
    public static IGradientSource Gradient(ModelSpec spec, TaskCorpus corpus, float[] weights, int firstSlot, int[] groupSizes, int threads)
    {
        if (corpus.Starts.Length == 0 || corpus.Starts[0] != 0 || corpus.Starts[^1] != corpus.Words.Length)
        {
            throw new ArgumentException($"the {corpus.Task} corpus's {corpus.Starts.Length} starts do not cover its {corpus.Words.Length} words");
        }

        var vocabulary = spec.VocabSize;
        if (corpus.Words.Any(w => w < 0 || w >= vocabulary))
        {
            throw new ArgumentException($"the {corpus.Task} corpus holds a word id outside the vocabulary of {vocabulary}");
        }

        switch (corpus.Task)
        {
            case "classify":
                if (corpus.Labels.Length != corpus.Starts.Length - 1 || corpus.Labels.Any(l => l < 0 || l >= spec.Classes))
                {
                    throw new ArgumentException($"the classify corpus has {corpus.Labels.Length} labels for {corpus.Starts.Length - 1} documents (classes 0..{spec.Classes - 1})");
                }

                var documents = new Document[corpus.Labels.Length];
                for (var d = 0; d < documents.Length; d++)
                {
                    documents[d] = new Document(corpus.Labels[d], corpus.Words[corpus.Starts[d]..corpus.Starts[d + 1]]);
                }

                return new DocumentBatchGradient(spec, weights, documents, corpus.Batch, firstSlot, groupSizes, threads);
            case "cbow":
                if (corpus.Counts.Length != vocabulary)
                {
                    throw new ArgumentException($"the cbow corpus has {corpus.Counts.Length} word counts for a vocabulary of {vocabulary}");
                }

                var settings = new CbowSettings(corpus.Window, corpus.Negative, corpus.Subsample);
                settings.Validate();
                return new CbowGradient(spec, settings, weights, new SentenceCorpus(corpus.Words, corpus.Starts), corpus.Counts, corpus.Batch, firstSlot, groupSizes, threads);
            default:
                throw new ArgumentException($"a worker trains --task lm, classify or cbow, not {corpus.Task}");
        }
    }
}
