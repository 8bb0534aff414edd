namespace RnnCluster.Core.Text;

/// <summary>Cuts text into tokens.</summary>
public interface ITokenizer
{
    TokenizerKind Kind { get; }

    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="into"/>.</summary>
    void Tokenize(string text, List<string> into);
}
