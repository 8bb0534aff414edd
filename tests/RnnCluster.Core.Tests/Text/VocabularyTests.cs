using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public class VocabularyTests
{
    private static string[] Repeat(params (string Token, int Count)[] counts) =>
        [.. counts.SelectMany(c => Enumerable.Repeat(c.Token, c.Count))];

    [Fact]
    public void Orders_by_descending_count_then_ordinal()
    {
        var vocab = Vocabulary.Build(Repeat(("b", 2), ("a", 1), ("c", 3), ("B", 2)), TokenizerKind.Word);

        Assert.Equal(["c", "B", "b", "a", "<eos>", "<unk>"], vocab.Tokens);
        Assert.Equal(6, vocab.Count);
    }

    [Fact]
    public void Input_order_does_not_matter()
    {
        var tokens = Repeat(("x", 3), ("y", 3), ("z", 1), ("<eos>", 2));
        var reversed = tokens.Reverse().ToArray();

        Assert.Equal(Vocabulary.Build(tokens, TokenizerKind.Word).Tokens, Vocabulary.Build(reversed, TokenizerKind.Word).Tokens);
    }

    [Fact]
    public void Word_vocabulary_always_has_unk_and_eos()
    {
        var vocab = Vocabulary.Build(["a", "b"], TokenizerKind.Word);

        Assert.True(vocab.Contains("<unk>"));
        Assert.True(vocab.Contains("<eos>"));
        Assert.Equal("<unk>", vocab.TokenOf(vocab.UnknownId));
        Assert.Equal(vocab.UnknownId, vocab.IdOf("never-seen"));
    }

    [Fact]
    public void A_literal_unk_in_training_text_is_counted_like_any_token()
    {
        var vocab = Vocabulary.Build(Repeat(("<unk>", 5), ("a", 3), ("<eos>", 4)), TokenizerKind.Word);

        Assert.Equal(["<unk>", "<eos>", "a"], vocab.Tokens);
        Assert.Equal(0, vocab.UnknownId);
    }

    [Fact]
    public void Max_vocab_caps_the_size_including_unk_and_maps_the_rest_to_unk()
    {
        var vocab = Vocabulary.Build(Repeat(("a", 5), ("b", 4), ("c", 3), ("d", 1), ("<eos>", 2)), TokenizerKind.Word, maxVocab: 4);

        // <unk> stands for c and d: 4 occurrences, tied with b and first in ordinal order.
        Assert.Equal(["a", "<unk>", "b", "<eos>"], vocab.Tokens);
        Assert.Equal(vocab.UnknownId, vocab.IdOf("c"));
        Assert.Equal(vocab.UnknownId, vocab.IdOf("d"));
        Assert.Equal(2, vocab.IdOf("b"));
    }

    [Fact]
    public void Tokens_below_min_count_map_to_unk()
    {
        var vocab = Vocabulary.Build(Repeat(("a", 3), ("b", 2), ("c", 1)), TokenizerKind.Word, minCount: 2);

        Assert.False(vocab.Contains("c"));
        Assert.Equal(vocab.UnknownId, vocab.IdOf("c"));
        Assert.Equal(["a", "b", "<unk>", "<eos>"], vocab.Tokens);
    }

    [Fact]
    public void Char_vocabulary_has_no_unk_unless_something_is_dropped()
    {
        var full = Vocabulary.Build(Repeat(("a", 3), ("b", 2), ("c", 1)), TokenizerKind.Char);
        var capped = Vocabulary.Build(Repeat(("a", 3), ("b", 2), ("c", 1)), TokenizerKind.Char, maxVocab: 2);
        var thinned = Vocabulary.Build(Repeat(("a", 3), ("b", 2), ("c", 1)), TokenizerKind.Char, minCount: 2);

        Assert.Equal(["a", "b", "c"], full.Tokens);
        Assert.Equal(-1, full.UnknownId);
        Assert.Equal(["<unk>", "a"], capped.Tokens);
        Assert.Equal(["a", "b", "<unk>"], thinned.Tokens);
        Assert.Equal(thinned.UnknownId, thinned.IdOf("c"));
    }

    [Fact]
    public void Unknown_token_without_unk_throws_naming_the_token()
    {
        var vocab = Vocabulary.Build(["a", "b"], TokenizerKind.Char);

        var e = Assert.Throws<ArgumentException>(() => vocab.IdOf("zebra"));
        Assert.Contains("'zebra'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_tokens_round_trips_a_built_vocabulary()
    {
        var built = Vocabulary.Build(Repeat(("a", 3), ("b", 2), ("c", 1)), TokenizerKind.Word, maxVocab: 4);
        var restored = Vocabulary.FromTokens([.. built.Tokens]);

        Assert.Equal(built.Tokens, restored.Tokens);
        Assert.Equal(built.UnknownId, restored.UnknownId);
        foreach (var token in new[] { "a", "b", "c", "<eos>", "other" })
        {
            Assert.Equal(built.IdOf(token), restored.IdOf(token));
        }
    }

    [Fact]
    public void From_tokens_rejects_duplicates_and_empty_lists()
    {
        var duplicate = Assert.Throws<ArgumentException>(() => Vocabulary.FromTokens(["a", "b", "a"]));
        Assert.Contains("'a'", duplicate.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Vocabulary.FromTokens([]));
        Assert.Throws<ArgumentException>(() => Vocabulary.FromTokens(["a", ""]));
    }

    [Fact]
    public void Token_of_rejects_ids_out_of_range()
    {
        var vocab = Vocabulary.FromTokens(["a", "b"]);

        Assert.Throws<ArgumentOutOfRangeException>(() => vocab.TokenOf(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => vocab.TokenOf(-1));
    }
}
