using RnnCluster.Core.Classification;
using RnnCluster.Core.Tests.Text;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Classification;

public sealed class LabeledTextReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Reads_fastText_lines_skipping_blank_ones_and_keeping_line_numbers()
    {
        var path = _dir.Write("a.txt", "__label__sport the match was won\r\n\n__label__food  good bread \n");
        var lines = LabeledTextReader.Read(path);
        Assert.Equal(2, lines.Count);
        Assert.Equal(("sport", 1), (lines[0].Label, lines[0].Line));
        Assert.Equal(["the", "match", "was", "won"], lines[0].Words);
        Assert.Equal(("food", 3), (lines[1].Label, lines[1].Line));
        Assert.Equal(["good", "bread"], lines[1].Words);
    }

    [Fact]
    public void Reads_tab_separated_label_and_text()
    {
        var lines = LabeledTextReader.Read(_dir.Write("a.tsv", "sport\tthe match\nfood\tbread\tand butter\n"));
        Assert.Equal(["sport", "food"], lines.Select(l => l.Label));
        Assert.Equal(["bread", "and", "butter"], lines[1].Words);
    }

    [Theory]
    [InlineData("__label__a one two\nthree four\n", "line 2: no __label__NAME label")]
    [InlineData("__label__a __label__b one\n", "line 1: 2 labels")]
    [InlineData("__label__a one\n__label__b\n", "line 2: label 'b' has an empty document")]
    [InlineData("a\tone\nb\t  \n", "line 2: label 'b' has an empty document")]
    [InlineData("a\tone\nb two\n", "line 2: no TAB")]
    [InlineData("just text\n", "line 1: neither fastText's format")]
    [InlineData("\tone two\n", "line 1: the label is empty")]
    public void Refuses_a_malformed_file_naming_it_and_the_line(string text, string expected)
    {
        var path = _dir.Write("bad.txt", text);
        var e = Assert.Throws<CorpusException>(() => LabeledTextReader.Read(path));
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
