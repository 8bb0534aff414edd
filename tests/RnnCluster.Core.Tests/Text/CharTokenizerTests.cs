using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public class CharTokenizerTests
{
    private static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        new CharTokenizer().Tokenize(text, tokens);
        return tokens;
    }

    [Fact]
    public void Every_code_point_is_a_token_including_newlines()
    {
        Assert.Equal(["a", " ", "b", "\n", "c"], Tokens("a b\nc"));
    }

    [Fact]
    public void Multi_byte_and_surrogate_pair_characters_are_single_tokens()
    {
        Assert.Equal(["é", "日", "😀", "\n"], Tokens("é日😀\n"));
    }

    [Fact]
    public void Adds_no_eos()
    {
        Assert.DoesNotContain(SpecialTokens.EndOfSentence, Tokens("line one\nline two\n"));
    }
}
