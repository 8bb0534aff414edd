namespace RnnCluster.Core.Text;

/// <summary>Creates the tokenizer of a <see cref="TokenizerKind"/>.</summary>
public static class Tokenizers
{
    public static ITokenizer Create(TokenizerKind kind) => kind switch
    {
        TokenizerKind.Word => new WordTokenizer(),
        TokenizerKind.Char => new CharTokenizer(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown tokenizer kind"),
    };
}
