using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public class WordTokenizerTests
{
    private static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        new WordTokenizer().Tokenize(text, tokens);
        return tokens;
    }

    [Fact]
    public void Each_line_ends_with_eos()
    {
        Assert.Equal(["the", "cat", "<eos>", "a", "dog", "<eos>"], Tokens("the cat\na dog\n"));
    }

    [Fact]
    public void Final_line_without_newline_gets_eos()
    {
        Assert.Equal(["the", "cat", "<eos>", "a", "dog", "<eos>"], Tokens("the cat\na dog"));
    }

    [Fact]
    public void Runs_of_spaces_and_tabs_separate_words()
    {
        Assert.Equal(["a", "b", "c", "d", "<eos>"], Tokens("  a   b\t\tc \u00A0\u2003d  \n"));
    }

    [Fact]
    public void Blank_lines_give_a_single_eos_each()
    {
        Assert.Equal(["a", "<eos>", "<eos>", "<eos>", "b", "<eos>"], Tokens("a\n\n   \nb\n"));
    }

    [Fact]
    public void Crlf_text_tokenizes_like_lf_text()
    {
        Assert.Equal(Tokens("one two\nthree\n\n"), Tokens("one two\r\nthree\r\n\r\n"));
    }

    [Fact]
    public void Unicode_words_are_kept_whole()
    {
        Assert.Equal(["über", "naïve", "日本語", "😀x", "<eos>"], Tokens("über naïve 日本語 😀x"));
    }

    [Fact]
    public void Empty_text_gives_no_tokens()
    {
        Assert.Empty(Tokens(""));
    }

    [Fact]
    public void Appends_to_the_list_and_shares_repeated_token_strings()
    {
        var tokens = new List<string> { "before" };
        new WordTokenizer().Tokenize("x y x", tokens);
        Assert.Equal(["before", "x", "y", "x", "<eos>"], tokens);
        Assert.Same(tokens[1], tokens[3]);
    }
}
