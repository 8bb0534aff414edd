namespace RnnCluster.Core.Text;

/// <summary>How text is cut into tokens: whitespace-separated words or Unicode code points.</summary>
public enum TokenizerKind
{
    Word,
    Char,
}
