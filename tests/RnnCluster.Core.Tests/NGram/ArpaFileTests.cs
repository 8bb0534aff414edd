using RnnCluster.Core.NGram;
using RnnCluster.Core.Tests.Text;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.NGram;

public class ArpaFileTests
{
    [Fact]
    public void A_written_model_reads_back_with_the_same_vocabulary_and_scores_every_token_identically()
    {
        using var directory = new TempDirectory();
        var data = BuiltInCorpus.Dataset(20_000, 2_000, seed: 5);
        var model = KneserNeyEstimator.Estimate(data.Train, data.Vocabulary, 3);
        var path = Path.Combine(directory.Path, "kn3.arpa");

        ArpaFile.Write(path, model);
        var read = ArpaFile.Read(path);

        Assert.True(ArpaFile.Looks(path));
        Assert.Equal(data.Vocabulary.Tokens, read.Vocabulary.Tokens);
        Assert.Equal(3, read.Order);
        Assert.Equal(model.Evaluate(data.Valid).LossSum, read.Evaluate(data.Valid).LossSum);
    }

    [Fact]
    public void The_file_is_standard_arpa_with_the_start_symbol_last_among_the_unigrams()
    {
        using var directory = new TempDirectory();
        var data = TextDatasetLoader.FromText("a b\na c\n", "a b\n", null, TokenizerKind.Word);
        var path = Path.Combine(directory.Path, "kn2.arpa");

        ArpaFile.Write(path, KneserNeyEstimator.Estimate(data.Train, data.Vocabulary, 2));
        var lines = File.ReadAllLines(path);

        Assert.Equal(["\\data\\", "ngram 1=6", "ngram 2=5", "", "\\1-grams:"], lines[..5]);
        Assert.EndsWith("\t<s>\t" + lines[10].Split('\t')[2], lines[10], StringComparison.Ordinal);
        Assert.StartsWith("-99\t<s>\t", lines[10], StringComparison.Ordinal);
        Assert.Equal("\\2-grams:", lines[12]);
        Assert.Equal("\\end\\", lines[^1]);
    }

    [Fact]
    public void A_model_of_a_higher_order_than_its_text_has_n_grams_for_reads_back()
    {
        // One line of two words has no 5-gram (<s> a b <eos>: four tokens in all): the file lists "ngram 5=0".
        using var directory = new TempDirectory();
        var data = TextDatasetLoader.FromText("a b\n", "a b\n", null, TokenizerKind.Word);
        var model = KneserNeyEstimator.Estimate(data.Train, data.Vocabulary, 5);
        var path = Path.Combine(directory.Path, "kn5.arpa");

        ArpaFile.Write(path, model);
        var read = ArpaFile.Read(path);

        Assert.Contains("ngram 5=0", File.ReadAllLines(path));
        Assert.Equal(5, read.Order);
        Assert.Equal(model.Evaluate(data.Valid).LossSum, read.Evaluate(data.Valid).LossSum);
    }

    [Theory]
    [InlineData("\\data\\\nngram 1=0\n", "line 2: expected 'ngram 1=COUNT'")]
    [InlineData("", "line 1: not an ARPA n-gram model")]
    [InlineData("hello\n", "line 1: not an ARPA n-gram model")]
    [InlineData("\\data\\\nngram 1=2\n\n\\1-grams:\n-0.3\ta\n", "line 6: the file ends after 1 of the 2 1-grams")]
    [InlineData("\\data\\\nngram 1=1\n\n\\1-grams:\n-0.3\ta\tb\tc\n", "line 5: expected 'LOG10PROB' then 1 word(s)")]
    [InlineData("\\data\\\nngram 1=1\n\n\\1-grams:\nx\ta\n", "line 5: expected 'LOG10PROB'")]
    [InlineData("\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-0.3\ta\n\n\\2-grams:\n-0.1\ta b\n", "line 9: the word 'b' has no unigram")]
    [InlineData("\\data\\\nngram 2=1\n", "line 2: expected 'ngram 1=COUNT'")]
    [InlineData("\\data\\\nngram 1=1\n\n\\1-grams:\n-0.3\ta\n", "expected \\end\\ after the 1-grams, found 'the end of the file'")]
    [InlineData("\\data\\\nngram 1=2\n\n\\1-grams:\n-0.3\ta\n-0.3\ta\n", "line 6: the unigram 'a' appears twice")]
    public void A_damaged_file_is_refused_naming_the_line(string text, string expected)
    {
        using var directory = new TempDirectory();
        var path = directory.Write("bad.arpa", text);

        var e = Assert.Throws<InvalidDataException>(() => ArpaFile.Read(path));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
    }
}
