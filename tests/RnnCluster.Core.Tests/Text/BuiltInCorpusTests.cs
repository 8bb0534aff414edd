using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public class BuiltInCorpusTests
{
    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        new WordTokenizer().Tokenize(text, tokens);
        return tokens;
    }

    [Fact]
    public void Same_seed_gives_the_same_text()
    {
        Assert.Equal(BuiltInCorpus.Generate(2000, 7), BuiltInCorpus.Generate(2000, 7));
        Assert.NotEqual(BuiltInCorpus.Generate(2000, 7), BuiltInCorpus.Generate(2000, 8));
    }

    [Fact]
    public void Tokenizing_the_text_gives_the_generated_stream()
    {
        var text = BuiltInCorpus.Generate(5000, 11);

        Assert.Equal(BuiltInCorpus.GenerateTokens(5000, 11), Tokenize(text));
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("  ", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" \n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Stops_at_the_first_sentence_end_after_the_requested_count()
    {
        var tokens = BuiltInCorpus.GenerateTokens(1000, 3);
        var lastSentenceStart = tokens.LastIndexOf(SpecialTokens.EndOfSentence, tokens.Count - 2) + 1;

        Assert.True(tokens.Count >= 1000);
        Assert.Equal(SpecialTokens.EndOfSentence, tokens[^1]);
        Assert.True(lastSentenceStart < 1000);
        Assert.Empty(BuiltInCorpus.Generate(0, 3));
    }

    [Fact]
    public void Empirical_entropy_of_a_long_sample_matches_the_computed_rate()
    {
        var tokens = BuiltInCorpus.GenerateTokens(300_000, 42);

        var perToken = BuiltInCorpus.NegativeLogLikelihood(tokens) / tokens.Count;

        Assert.InRange(perToken / BuiltInCorpus.EntropyPerToken, 0.98, 1.02);
    }

    [Fact]
    public void Entropy_is_well_below_the_unigram_entropy()
    {
        var entropy = BuiltInCorpus.EntropyPerToken;

        Assert.InRange(entropy, 1.5, 2.5);
        Assert.Equal(Math.Exp(entropy), BuiltInCorpus.OptimalPerplexity, 1e-9);
        Assert.True(entropy < 0.75 * Math.Log(BuiltInCorpus.UnigramPerplexity));
    }

    [Fact]
    public void Grammar_has_the_intended_size()
    {
        var automaton = BuiltInCorpus.Automaton;

        Assert.InRange(automaton.StateCount, 8, 20);
        Assert.InRange(automaton.Words().Count, 30, 60);
    }

    [Fact]
    public void Verb_agrees_with_the_subject_across_modifiers()
    {
        string[] singular = ["the", "dog", "near", "the", "cats", "that", "chases", "birds", "runs", "<eos>"];
        string[] plural = ["the", "dogs", "near", "the", "cat", "that", "chase", "birds", "run", "<eos>"];
        string[] mismatched = ["the", "dog", "near", "the", "cats", "run", "<eos>"];

        Assert.True(BuiltInCorpus.NegativeLogLikelihood(singular) > 0);
        Assert.True(BuiltInCorpus.NegativeLogLikelihood(plural) > 0);
        var e = Assert.Throws<ArgumentException>(() => BuiltInCorpus.NegativeLogLikelihood(mismatched));
        Assert.Contains("'run'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dataset_holds_the_requested_tokens_over_the_grammar_vocabulary()
    {
        var data = BuiltInCorpus.Dataset(20_000, 3_000, seed: 5);

        Assert.Equal(TokenizerKind.Word, data.Kind);
        Assert.InRange(data.Train.Length, 20_000, 20_100);
        Assert.InRange(data.Valid.Length, 3_000, 3_100);
        Assert.Null(data.Test);
        Assert.All(BuiltInCorpus.Automaton.Words(), word => Assert.True(data.Vocabulary.Contains(word), word));
        Assert.DoesNotContain(data.Vocabulary.UnknownId, data.Valid);
        Assert.NotEqual(data.Train[..3_000], data.Valid[..3_000]);
    }
}
