using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Parameter server → workers: brings a worker's weight replica of the job to <see cref="Version"/>.
/// The same update goes to every worker that needs it, serialized once. A worker starts a
/// <see cref="ComputeStep"/> as soon as the weights it names are in, whichever message arrives first.
/// </summary>
[MessagePackObject(true)]
public sealed record WeightUpdate(string JobId, long Version, WeightPatch Patch) : IClusterMessage, IViewsSenderBuffers;

/// <summary>
/// New weight values. <see cref="Full"/>: <see cref="Dense"/> is the whole vector. Otherwise it is a
/// delta from the previous version: <see cref="Dense"/> is every tensor after the embedding, and the
/// embedding changed only in <see cref="Rows"/> (values in <see cref="RowValues"/>, row after row).
/// <see cref="Additive"/> (a delta under <c>--compress bf16|fp16</c>): the values are differences to add
/// to the previous version, in 16 bits, rather than the new values (see <see cref="Actors.WeightMirror"/>).
/// <see cref="From"/>: the version a delta applies to; −1: the update's version − 1 (with SGD a delta
/// from further back carries every row changed since, e.g. in async mode).
/// </summary>
[MessagePackObject(true)]
public sealed record WeightPatch(bool Full, WireFloats Dense, int[] Rows, WireFloats RowValues, bool Additive = false, long From = -1);
