namespace RnnCluster.Core.Classification;

/// <summary>A line of a labelled text file: its label, its words and its 1-based line number (for messages).</summary>
public sealed record LabeledLine(string Label, string[] Words, int Line);
