namespace RnnCluster.Core.Text;

/// <summary>A corpus as token ids: training, validation and optional test splits over one vocabulary.</summary>
public sealed record TextDataset(Vocabulary Vocabulary, TokenizerKind Kind, int[] Train, int[] Valid, int[]? Test);
