using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public class TokenizerKindsTests
{
    [Theory]
    [InlineData("word", TokenizerKind.Word)]
    [InlineData("char", TokenizerKind.Char)]
    [InlineData(" Word ", TokenizerKind.Word)]
    public void Parses_names(string name, TokenizerKind expected)
    {
        Assert.Equal(expected, TokenizerKinds.Parse(name));
    }

    [Fact]
    public void Unknown_name_is_rejected_with_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => TokenizerKinds.Parse("bpe"));
        Assert.Contains("'bpe'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'word' or 'char'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TokenizerKind.Word)]
    [InlineData(TokenizerKind.Char)]
    public void Factory_and_names_round_trip(TokenizerKind kind)
    {
        Assert.Equal(kind, Tokenizers.Create(kind).Kind);
        Assert.Equal(kind, TokenizerKinds.Parse(TokenizerKinds.Name(kind)));
    }
}
