using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public sealed class TextDatasetLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Words(int count, int types) =>
        string.Join(' ', Enumerable.Range(0, count).Select(i => "w" + (i * 7 % types))) + "\n";

    private static string[] Decode(TextDataset data, int[] ids) => [.. ids.Select(data.Vocabulary.TokenOf)];

    [Fact]
    public void Vocabulary_comes_from_the_training_text_only()
    {
        var data = TextDatasetLoader.FromText("a b\nb c\n", "c d\n", "a z\n", TokenizerKind.Word);

        Assert.False(data.Vocabulary.Contains("d"));
        Assert.Equal(["a", "b", "<eos>", "b", "c", "<eos>"], Decode(data, data.Train));
        Assert.Equal(["c", "<unk>", "<eos>"], Decode(data, data.Valid));
        Assert.Equal(["a", "<unk>", "<eos>"], Decode(data, data.Test!));
    }

    [Fact]
    public void Without_validation_text_the_last_tenth_of_the_training_tokens_validates()
    {
        var text = string.Join(' ', Enumerable.Range(0, 100).Select(i => "t" + i));
        var data = TextDatasetLoader.FromText(text, null, null, TokenizerKind.Word);
        var all = new List<string>();
        new WordTokenizer().Tokenize(text, all);

        Assert.Equal(101, all.Count);
        Assert.Equal(90, data.Train.Length);
        Assert.Equal(11, data.Valid.Length);
        Assert.Equal(all[..90], Decode(data, data.Train));
        Assert.Equal(all[90..], Decode(data, data.Valid));
        Assert.Null(data.Test);
        Assert.True(data.Vocabulary.Contains("t99"));
    }

    [Fact]
    public void Char_corpus_splits_the_same_way()
    {
        var data = TextDatasetLoader.FromText("abcdefghij" + "klmnopqrst", null, null, TokenizerKind.Char);

        Assert.Equal("abcdefghijklmnopqr", string.Concat(Decode(data, data.Train)));
        Assert.Equal("st", string.Concat(Decode(data, data.Valid)));
    }

    [Fact]
    public void Char_validation_text_with_an_unseen_character_is_named()
    {
        var e = Assert.Throws<CorpusException>(() => TextDatasetLoader.FromText("abc", "abx", null, TokenizerKind.Char));

        Assert.Contains("'valid'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_training_text_is_rejected_with_its_name()
    {
        var e = Assert.Throws<CorpusException>(() =>
            TextDatasetLoader.FromText("  \n\n", null, null, TokenizerKind.Word, trainName: "my-train.txt"));

        Assert.Contains("'my-train.txt' is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_maps_unknown_words_to_unk()
    {
        var vocab = Vocabulary.Build(["a", "b", "<eos>"], TokenizerKind.Word);

        var ids = TextDatasetLoader.Encode("a q b", new WordTokenizer(), vocab);

        Assert.Equal([vocab.IdOf("a"), vocab.UnknownId, vocab.IdOf("b"), vocab.IdOf("<eos>")], ids);
    }

    [Fact]
    public void Loads_files_given_by_path()
    {
        var train = _dir.Write("t.txt", "a b c\n");
        var valid = _dir.Write("v.txt", "c b\n");

        var data = TextDatasetLoader.Load(train, valid, null, TokenizerKind.Word);

        Assert.Equal(["c", "b", "<eos>"], Decode(data, data.Valid));
    }

    [Fact]
    public void Directory_with_ptb_style_names_provides_all_three_splits()
    {
        _dir.Write("ptb.train.txt", "a b\n");
        _dir.Write("ptb.valid.txt", "b\n");
        _dir.Write("ptb.test.txt", "a\n");

        var data = TextDatasetLoader.Load(_dir.Path, null, null, TokenizerKind.Word);

        Assert.Equal(["a", "b", "<eos>"], Decode(data, data.Train));
        Assert.Equal(["b", "<eos>"], Decode(data, data.Valid));
        Assert.Equal(["a", "<eos>"], Decode(data, data.Test!));
    }

    [Fact]
    public void Directory_with_plain_split_names_and_no_test_file()
    {
        _dir.Write("train.txt", "a b\n");
        _dir.Write("valid.txt", "b\n");

        var data = TextDatasetLoader.Load(_dir.Path, null, null, TokenizerKind.Word);

        Assert.Equal(["b", "<eos>"], Decode(data, data.Valid));
        Assert.Null(data.Test);
    }

    [Fact]
    public void Explicit_validation_path_wins_over_the_directory()
    {
        _dir.Write("ptb.train.txt", "a b\n");
        _dir.Write("ptb.valid.txt", "b\n");
        using var other = new TempDirectory();
        var valid = other.Write("mine.txt", "a a\n");

        var data = TextDatasetLoader.Load(_dir.Path, valid, null, TokenizerKind.Word);

        Assert.Equal(["a", "a", "<eos>"], Decode(data, data.Valid));
    }

    [Fact]
    public void Directory_with_only_input_txt_uses_the_ninety_ten_split()
    {
        _dir.Write("input.txt", new string('x', 50) + new string('y', 50));

        var data = TextDatasetLoader.Load(_dir.Path, null, null, TokenizerKind.Char);

        Assert.Equal(90, data.Train.Length);
        Assert.Equal(10, data.Valid.Length);
        Assert.All(data.Valid, id => Assert.Equal("y", data.Vocabulary.TokenOf(id)));
    }

    [Fact]
    public void Directory_without_a_training_file_is_named()
    {
        _dir.Write("notes.md", "hello");

        var e = Assert.Throws<CorpusException>(() => TextDatasetLoader.Load(_dir.Path, null, null, TokenizerKind.Word));

        Assert.Contains($"'{_dir.Path}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("input.txt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_with_two_training_files_is_ambiguous()
    {
        _dir.Write("a.train.txt", "a\n");
        _dir.Write("b.train.txt", "b\n");

        var e = Assert.Throws<CorpusException>(() => TextDatasetLoader.Load(_dir.Path, null, null, TokenizerKind.Word));

        Assert.Contains("a.train.txt, b.train.txt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_validation_file_is_named()
    {
        var train = _dir.Write("t.txt", "a b c\n");
        var valid = Path.Combine(_dir.Path, "missing.txt");

        var e = Assert.Throws<CorpusException>(() => TextDatasetLoader.Load(train, valid, null, TokenizerKind.Word));

        Assert.Contains($"'{valid}' not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_small_corpus_says_what_is_needed()
    {
        var e = Assert.Throws<CorpusException>(() => TextDatasetLoader.RequireTokens(new int[120], 20, 20, "train"));

        Assert.Equal(
            "train corpus has 120 tokens; batch 20 × (bptt 20 + 1) needs at least 420 — use a larger corpus or smaller --batch/--bptt",
            e.Message);
    }

    [Fact]
    public void Large_enough_corpus_passes()
    {
        TextDatasetLoader.RequireTokens(new int[420], 20, 20, "train");
    }

    [Fact]
    public void Word_corpus_round_trips_through_a_file()
    {
        var text = Words(5000, 300);
        var path = _dir.Write("big.txt", text);

        var data = TextDatasetLoader.Load(path, null, null, TokenizerKind.Word);

        Assert.Equal(302, data.Vocabulary.Count);
        Assert.Equal(5001, data.Train.Length + data.Valid.Length);
    }
}
