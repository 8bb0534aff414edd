namespace RnnCluster.Core.Classification;

/// <summary>One labelled document: its class id and its word ids (never empty in a data set).</summary>
public readonly record struct Document(int Label, int[] Words);
