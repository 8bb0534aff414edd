namespace RnnCluster.Core.Checkpoints;

/// <summary>One float block of a checkpoint file, as listed in the header's tensor directory.</summary>
internal readonly record struct TensorEntry(string Name, int Count);
