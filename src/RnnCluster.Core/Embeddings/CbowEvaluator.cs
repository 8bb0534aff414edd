using RnnCluster.Core.Models;

namespace RnnCluster.Core.Embeddings;

/// <summary>
/// The mean CBOW loss per centre word of held-out text: every word a centre, its full window of C words
/// each side (no subsampling, no drawn window), K negatives drawn from a fixed seed, so two models are
/// scored on the same samples. Under the full softmax (K = 0) exp of it is the perplexity of the centre
/// word given its context.
/// </summary>
public static class CbowEvaluator
{
    private const ulong EvaluationSeed = 0x4556414CUL; // "EVAL"

    /// <summary>(mean loss in nats, centre words scored); words with no context in their sentence are skipped.</summary>
    public static (double MeanLoss, long Centres) Run(ModelSpec spec, CbowSettings settings, float[] weights, SentenceCorpus corpus, IReadOnlyList<long> counts)
    {
        var epoch = new CbowEpoch(corpus, null, EvaluationSeed, 0);
        var sampler = settings.Negatives > 0 ? new NegativeSampler(counts) : null;
        var (first, end) = epoch.KeptIn(0, corpus.Words.Length);
        const int Chunk = 4096;
        var chunks = (end - first + Chunk - 1) / Chunk;
        var losses = new double[chunks];
        var centres = new long[chunks];
        Parallel.For(0, chunks, () => (new CbowObjective(spec.VocabSize, spec.Hidden), new int[2 * settings.Window], new int[settings.Negatives]), (c, _, local) =>
        {
            var (objective, context, negatives) = local;
            for (var k = first + (c * Chunk); k < Math.Min(end, first + ((c + 1) * Chunk)); k++)
            {
                var (target, count, random) = epoch.Centre(k, settings.Window, context, fullWindow: true);
                if (count == 0)
                {
                    continue;
                }

                sampler?.Fill(negatives, random);
                losses[c] += objective.Loss(weights, context.AsSpan(0, count), target, negatives, sampler is null, null, 1f);
                centres[c]++;
            }

            return local;
        }, _ => { });
        var total = centres.Sum();
        return (total == 0 ? double.NaN : losses.Sum() / total, total);
    }
}
