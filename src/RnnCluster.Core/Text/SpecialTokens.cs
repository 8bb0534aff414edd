namespace RnnCluster.Core.Text;

/// <summary>The reserved tokens of word-level vocabularies (spelled as in Mikolov's PTB files).</summary>
public static class SpecialTokens
{
    public const string EndOfSentence = "<eos>";
    public const string Unknown = "<unk>";
}
