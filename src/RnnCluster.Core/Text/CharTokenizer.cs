namespace RnnCluster.Core.Text;

/// <summary>Every Unicode code point is a token, newlines included; no <c>&lt;eos&gt;</c> is added.</summary>
public sealed class CharTokenizer : ITokenizer
{
    public TokenizerKind Kind => TokenizerKind.Char;

    public void Tokenize(string text, List<string> into)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(into);

        var interner = new TokenInterner();
        Span<char> buffer = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            var length = rune.EncodeToUtf16(buffer);
            into.Add(interner.Intern(buffer[..length]));
        }
    }
}
