using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public sealed class QuotedTextTests
{
    [Theory]
    [InlineData("word", "'word'")]
    [InlineData("naïve café", "'naïve café'")]
    [InlineData("\r", "'\\r' (U+000D)")]
    [InlineData("a\r\nb", "'a\\r\\nb' (U+000D, U+000A)")]
    [InlineData("\t\0", "'\\t\\0' (U+0009, U+0000)")]
    [InlineData("line\u2028break", "'line\\u{2028}break' (U+2028)")]
    [InlineData("next\u0085line", "'next\\u{0085}line' (U+0085)")]
    [InlineData("zero\u200Bwidth", "'zero\\u{200B}width' (U+200B)")]
    [InlineData("\uFEFFbom", "'\\u{FEFF}bom' (U+FEFF)")]
    [InlineData("no\u00A0break", "'no\\u{00A0}break' (U+00A0)")]
    [InlineData("\r\r", "'\\r\\r' (U+000D)")]
    public void Control_and_invisible_characters_are_escaped_and_named(string text, string expected) =>
        Assert.Equal(expected, QuotedText.Quote(text));

    [Fact]
    public void A_missing_carriage_return_is_named_in_the_vocabulary_error()
    {
        var vocabulary = Vocabulary.FromTokens(["a", "b"]);

        var error = Assert.Throws<ArgumentException>(() => vocabulary.IdOf("\r"));

        Assert.Contains("token '\\r' (U+000D) is not in the vocabulary", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/tmp/no\u001b[31mpe: no such file", "/tmp/no\\u{001B}[31mpe: no such file")]
    [InlineData("/tmp/\u001b]0;title\u0007", "/tmp/\\u{001B}]0;title\\u{0007}")]
    [InlineData("class 'c\\u{001B}[31m' (U+001B) and a\u001b[31m", "class 'c\\u{001B}[31m' (U+001B) and a\\u{001B}[31m")]
    [InlineData("plain text: unchanged", "plain text: unchanged")]
    public void A_message_line_escapes_what_reached_it_unquoted_and_leaves_quoted_text_alone(string line, string expected) =>
        Assert.Equal(expected, QuotedText.EscapeInvisible(line));
}
