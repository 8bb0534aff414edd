using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Embeddings;

public sealed class CbowObjectiveTests
{
    /// <summary>Backpropagation against central differences for every weight, with a repeated context word and the target among the negatives.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_gradient_matches_finite_differences(bool fullSoftmax)
    {
        const int vocab = 7, dim = 4;
        var rng = new Rng(3);
        var weights = new float[2 * vocab * dim];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = rng.NextFloat(-0.8f, 0.8f);
        }

        int[] context = [1, 2, 2, 5];
        int[] negatives = [0, 3, 6, 4, 6];
        const int target = 3;
        var objective = new CbowObjective(vocab, dim);
        var rows = new GradientRows(2 * vocab, dim);
        objective.Loss(weights, context, target, negatives, fullSoftmax, rows, 0.5f);
        var analytic = new float[weights.Length];
        var touched = rows.CopyTo(analytic);

        const float eps = 1e-2f;
        var worst = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            var saved = weights[i];
            weights[i] = saved + eps;
            var plus = objective.Loss(weights, context, target, negatives, fullSoftmax, null, 1f);
            weights[i] = saved - eps;
            var minus = objective.Loss(weights, context, target, negatives, fullSoftmax, null, 1f);
            weights[i] = saved;
            var numeric = 0.5 * (plus - minus) / (2 * eps);
            worst = Math.Max(worst, Math.Abs(analytic[i] - numeric) / Math.Max(Math.Abs(analytic[i]) + Math.Abs(numeric), 1e-2));
            if (analytic[i] != 0)
            {
                Assert.Contains(i / dim, touched); // a written row is reported
            }
        }

        Assert.InRange(worst, 0, 1e-2);
        Assert.DoesNotContain(0, touched); // input word 0 is not in the context
        Assert.Equal(fullSoftmax ? vocab : 4, touched.Count(r => r >= vocab)); // output rows: all, or the target and the 3 other distinct negatives
    }

    [Fact]
    public void Negative_samples_follow_the_unigram_distribution_to_the_three_quarters()
    {
        long[] counts = [1000, 100, 10];
        var sampler = new NegativeSampler(counts);
        var drawn = new int[3];
        var state = 42UL;
        for (var i = 0; i < 300_000; i++)
        {
            drawn[sampler.Draw(Rng.SplitMix(ref state))]++;
        }

        var weights = counts.Select(c => Math.Pow(c, 0.75)).ToArray();
        for (var w = 0; w < 3; w++)
        {
            Assert.InRange(drawn[w] / 300_000.0, (weights[w] / weights.Sum()) - 0.01, (weights[w] / weights.Sum()) + 0.01);
        }
    }

    [Fact]
    public void Subsampling_keeps_rare_words_and_thins_frequent_ones_by_word2vecs_rule()
    {
        long[] counts = [1_000_000, 1_000, 1];
        var keep = CbowEpoch.KeepProbabilities(counts, 1e-3)!;
        var threshold = 1e-3 * counts.Sum();
        Assert.Equal((Math.Sqrt(counts[0] / threshold) + 1) * threshold / counts[0], keep[0], 12);
        Assert.Equal(1.0, keep[1]);
        Assert.Equal(1.0, keep[2]);
        Assert.Null(CbowEpoch.KeepProbabilities(counts, 0));
    }

    [Fact]
    public void A_window_stays_inside_its_sentence_and_a_one_word_sentence_has_no_context()
    {
        var (vocabulary, _) = SentenceCorpus.BuildVocabulary(["a b c", "d", "e f g h"], "t", 1);
        var corpus = SentenceCorpus.Read(["a b c", "d", "", "e f g h"], "t", vocabulary);
        Assert.Equal(3, corpus.Sentences); // the empty line is dropped
        var epoch = new CbowEpoch(corpus, null, 1, 0);
        var context = new int[20];
        var (target, count, _) = epoch.Centre(2, 10, context, fullWindow: true); // "c": a window of 10 takes its whole sentence
        Assert.Equal(vocabulary.IdOf("c"), target);
        Assert.Equal(new[] { vocabulary.IdOf("a"), vocabulary.IdOf("b") }, context[..count]);
        Assert.Equal(0, epoch.Centre(3, 10, context, fullWindow: true).ContextCount); // "d" alone on its line
        (_, count, _) = epoch.Centre(4, 1, context, fullWindow: true); // "e": one word each side, none before it in its line
        Assert.Equal(new[] { vocabulary.IdOf("f") }, context[..count]);
    }

    [Fact]
    public void Words_outside_the_vocabulary_are_left_out_not_mapped_to_unk()
    {
        var (vocabulary, counts) = SentenceCorpus.BuildVocabulary(["x x y y", "x z"], "t", 2);
        Assert.Equal(["x", "y"], vocabulary.Tokens);
        Assert.Equal([3L, 2L], counts);
        var corpus = SentenceCorpus.Read(["x z y", "z z"], "t", vocabulary);
        Assert.Equal([0, 1], corpus.Words); // z is left out, and the line of z's only is dropped
        Assert.Equal(1, corpus.Sentences);
        var error = Assert.Throws<RnnCluster.Core.Text.CorpusException>(() => SentenceCorpus.BuildVocabulary(["x x y y", "x z"], "t.txt", 3));
        Assert.Contains("--min-count 3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_gradcheck_commands_check_passes_for_both_losses(bool fullSoftmax)
    {
        var result = Diagnostics.GradientCheck.RunCbow(fullSoftmax);
        Assert.True(result.Passed, $"max relative error {result.MaxRelativeError}");
        Assert.Equal(["embedding", "output"], result.Tensors.Select(t => t.Tensor));
    }
}
