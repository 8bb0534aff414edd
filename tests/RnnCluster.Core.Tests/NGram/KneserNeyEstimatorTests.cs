using RnnCluster.Core.NGram;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.NGram;

public class KneserNeyEstimatorTests
{
    private static (BackoffModel Model, Vocabulary Vocabulary, int[] Ids) Train(string text, int order)
    {
        var data = TextDatasetLoader.FromText(text, text, null, TokenizerKind.Word);
        return (KneserNeyEstimator.Estimate(data.Train, data.Vocabulary, order), data.Vocabulary, data.Train);
    }

    private static double P(BackoffModel model, Vocabulary vocabulary, string word, params string[] history) =>
        Math.Pow(10, model.Log10Probability(
            [.. history.Select(h => h == BackoffModel.SentenceStart ? model.StartId : vocabulary.IdOf(h))], vocabulary.IdOf(word)));

    [Fact]
    public void A_bigram_model_matches_the_equations_worked_by_hand()
    {
        // Bigrams: <s> a ×3, a b ×2, b <eos> ×2, a c, c <eos>. Their counts of counts (2, 2, 1, 0) leave
        // modified KN undefined, so D = t1 / (t1 + 2 t2) = 1/3. Unigram continuation counts: <eos> 2
        // (after b, c), a, b, c 1 each, <unk> 0; D = 3 / (3 + 2) = 0.6, γ = 0.6·4/5 = 0.48.
        var (model, vocabulary, _) = Train("a b\na c\na b\n", 2);
        var unigram = (1 - 0.6) / 5 + (0.48 / 5);                    // a, b, c: 0.176
        Assert.Equal(((2 - 0.6) / 5) + (0.48 / 5), P(model, vocabulary, "<eos>"), 6);
        Assert.Equal(unigram, P(model, vocabulary, "c"), 6);
        Assert.Equal(0.48 / 5, P(model, vocabulary, "<unk>"), 6);
        Assert.Equal(((3 - (1 / 3.0)) / 3) + (1 / 9.0 * unigram), P(model, vocabulary, "a", BackoffModel.SentenceStart), 6);
        Assert.Equal(((2 - (1 / 3.0)) / 3) + (2 / 9.0 * unigram), P(model, vocabulary, "b", "a"), 6);
        Assert.Equal(2 / 9.0 * 0.48 / 5, P(model, vocabulary, "<unk>", "a"), 6);      // backed off
        Assert.Equal(unigram, P(model, vocabulary, "c", "<unk>"), 6);                 // a context never seen
    }

    [Fact]
    public void Every_context_gives_a_distribution_over_the_vocabulary()
    {
        var data = BuiltInCorpus.Dataset(20_000, 2_000, seed: 3);
        var model = KneserNeyEstimator.Estimate(data.Train, data.Vocabulary, 4);
        var histories = new List<int[]> { Array.Empty<int>(), new[] { model.StartId } };
        for (var i = 0; i < 40; i++)
        {
            histories.Add(data.Valid[(i * 37)..((i * 37) + 3)]);               // seen and unseen contexts
        }

        histories.Add([data.Vocabulary.Count - 1, data.Vocabulary.Count - 1, 0]);
        foreach (var history in histories)
        {
            var sum = Enumerable.Range(0, data.Vocabulary.Count).Sum(w => Math.Pow(10, model.Log10Probability(history, w)));
            Assert.Equal(1.0, sum, 5);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Probabilities_equal_a_direct_evaluation_of_the_interpolated_recursion(int order)
    {
        var data = BuiltInCorpus.Dataset(5_000, 500, seed: 7);
        var model = KneserNeyEstimator.Estimate(data.Train, data.Vocabulary, order);
        var reference = new InterpolatedKneserNey(data.Train, data.Vocabulary, order);
        for (var i = 0; i + 6 < data.Valid.Length; i += 23)
        {
            int[] history = i % 2 == 0 ? [model.StartId, .. data.Valid[i..(i + 2)]] : data.Valid[i..(i + 5)];
            foreach (var word in new[] { data.Valid[i + 5], 0, data.Vocabulary.Count - 1 })
            {
                Assert.Equal(reference.Probability(history, word), Math.Pow(10, model.Log10Probability(history, word)), 5);
            }
        }
    }

    [Fact]
    public void Higher_orders_fit_the_built_in_corpus_better_and_approach_its_entropy_rate()
    {
        var data = BuiltInCorpus.Dataset(100_000, 10_000, seed: 1);
        var perplexities = new[] { 1, 2, 3, 5 }.Select(order => KneserNeyEstimator.Estimate(data.Train, data.Vocabulary, order).Evaluate(data.Valid).Perplexity).ToArray();

        Assert.True(perplexities[0] > perplexities[1] && perplexities[1] > perplexities[2], string.Join(", ", perplexities));
        Assert.InRange(perplexities[3], BuiltInCorpus.OptimalPerplexity, 1.2 * BuiltInCorpus.OptimalPerplexity); // 1.16×: the grammar's state is not always visible in 4 tokens
    }

    [Fact]
    public void Evaluation_predicts_every_token_and_restarts_the_context_after_each_end_of_sentence()
    {
        var (model, vocabulary, ids) = Train("a b\na c\na b\n", 2);
        var result = model.Evaluate(ids);

        var expected = -Math.Log(P(model, vocabulary, "a", "<s>")) - Math.Log(P(model, vocabulary, "b", "a")) - Math.Log(P(model, vocabulary, "<eos>", "b"))
            - Math.Log(P(model, vocabulary, "a", "<s>")) - Math.Log(P(model, vocabulary, "c", "a")) - Math.Log(P(model, vocabulary, "<eos>", "c"))
            - Math.Log(P(model, vocabulary, "a", "<s>")) - Math.Log(P(model, vocabulary, "b", "a")) - Math.Log(P(model, vocabulary, "<eos>", "b"));
        Assert.Equal(9, result.Tokens);
        Assert.Equal(expected, result.LossSum, 9);
    }

    [Fact]
    public void Refuses_a_corpus_that_uses_the_sentence_start_symbol_as_a_word()
    {
        var data = TextDatasetLoader.FromText("a <s> b\n", null, null, TokenizerKind.Word);
        var e = Assert.Throws<ArgumentException>(() => KneserNeyEstimator.Estimate(data.Train, data.Vocabulary, 3));
        Assert.Contains("<s>", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100, 40, 20, 10, 0.5555556, 1.1666667, 1.8888889)]
    [InlineData(0, 0, 0, 0, 0.5, 0.5, 0.5)]
    [InlineData(3, 0, 0, 0, 1, 1, 1)]
    public void Discounts_follow_chen_and_goodman_or_fall_back_to_one_discount(long t1, long t2, long t3, long t4, double d1, double d2, double d3)
    {
        var d = KneserNeyDiscounts.Estimate(t1, t2, t3, t4);
        Assert.Equal(d1, d.D1, 6);
        Assert.Equal(d2, d.D2, 6);
        Assert.Equal(d3, d.D3, 6);
    }
}
