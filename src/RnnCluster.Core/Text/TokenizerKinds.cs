namespace RnnCluster.Core.Text;

/// <summary>The command-line and file names of tokenizer kinds: <c>word</c> and <c>char</c>.</summary>
public static class TokenizerKinds
{
    public static TokenizerKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.Trim();
        if (trimmed.Equals("word", StringComparison.OrdinalIgnoreCase))
        {
            return TokenizerKind.Word;
        }

        if (trimmed.Equals("char", StringComparison.OrdinalIgnoreCase))
        {
            return TokenizerKind.Char;
        }

        throw new ArgumentException($"unknown tokenizer {QuotedText.Quote(name)} — use 'word' or 'char'", nameof(name));
    }

    public static string Name(TokenizerKind kind) => kind switch
    {
        TokenizerKind.Word => "word",
        TokenizerKind.Char => "char",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown tokenizer kind"),
    };
}
