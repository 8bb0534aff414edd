namespace RnnCluster.Core.Text;

/// <summary>
/// Splits each line on Unicode whitespace and ends it with <c>&lt;eos&gt;</c>, as in Mikolov's PTB
/// files: every line, blank or not and with or without a final newline, gives exactly one
/// <c>&lt;eos&gt;</c>. A <c>\r</c> before the <c>\n</c> is whitespace, so CRLF text tokenizes like LF text.
/// </summary>
public sealed class WordTokenizer : ITokenizer
{
    public TokenizerKind Kind => TokenizerKind.Word;

    public void Tokenize(string text, List<string> into)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(into);

        var interner = new TokenInterner();
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            AddWords(line, interner, into);
            into.Add(SpecialTokens.EndOfSentence);
            rest = newline < 0 ? [] : rest[(newline + 1)..];
        }
    }

    private static void AddWords(ReadOnlySpan<char> line, TokenInterner interner, List<string> into)
    {
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
            {
                i++;
            }

            var start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
            {
                i++;
            }

            if (i > start)
            {
                into.Add(interner.Intern(line[start..i]));
            }
        }
    }
}
