namespace RnnCluster.Core.Models;

/// <summary>
/// Identifies the random stream of a training step's dropout masks. Masks are a pure function of
/// (seed, step, site, global stream index, time, unit), so a worker owning streams
/// [StreamOffset, StreamOffset + B) draws exactly the masks a single process would for those streams.
/// </summary>
public readonly record struct DropoutKey(ulong Seed, long Step, int StreamOffset);
