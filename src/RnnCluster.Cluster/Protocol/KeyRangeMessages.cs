using MessagePack;

namespace RnnCluster.Cluster.Protocol;

// The step of a sharded parameter server (--ps-placement workers): every worker node serves one key
// range (see Core's KeyRange). A step runs: ComputeStep (with the step's learning rate and clipping
// threshold) → each worker sends every range owner its GradientSlice (and the parameter server its
// GradientResult without the gradient) → each owner sums its range and sends its RangeSquares to the
// other owners and the parameter server → each owner, once it holds every range's squares, combines
// the global norm (in range order: the same bits everywhere), applies its range and sends its
// WeightSlice to every worker. The parameter server commits the step once every result and every
// range's squares are in and sends the next ComputeStep at once; each worker starts it once it holds
// every range of the new version, and sends WeightsReady (until every worker has, a lost worker makes
// the server take the commit back and redo the step).

/// <summary>
/// Where a generation's key ranges live: range k is served by worker <see cref="Owners"/>[k] (its
/// actor path), which is also summation-tree node k. The tree over the nodes is
/// (<see cref="PlanInto"/>[i] += <see cref="PlanFrom"/>[i]) in order. <see cref="Endpoints"/>[k] is the
/// owner's data-plane endpoint ("host:port", empty: none).
/// </summary>
[MessagePackObject(true)]
public sealed record KeyRangePlacement(string[] Owners, string[] Endpoints, int[] PlanInto, int[] PlanFrom);

/// <summary>
/// Worker → owner of key range <see cref="Range"/>: summation-tree node <see cref="Node"/>'s partial
/// gradient of the range, or one of its <see cref="Parts"/> parts: dense values from local offset
/// <see cref="DenseOffset"/> of the range's dense slice, and the embedding rows it touched (local row
/// ids, sorted, values row after row; one part carries them, the others none). Two parts: the output
/// layer's values go first, as soon as the sender's backward has them (Core's
/// <c>KeyRange.OutputLayerSplit</c>), the rest when its backward is done.
/// </summary>
[MessagePackObject(true)]
public sealed record GradientSlice(
    string JobId,
    int Generation,
    long Step,
    int Node,
    int Range,
    WireFloats Dense,
    int[] Rows,
    WireFloats RowValues,
    int DenseOffset = 0,
    int Parts = 1,
    bool HasRows = true) : IClusterMessage, IViewsSenderBuffers;

/// <summary>
/// Owner → the other owners and the parameter server: the partial sums of squares of range <see cref="Range"/>'s summed
/// gradient (per norm block of its dense slice, in order; per row, in row order).
/// </summary>
[MessagePackObject(true)]
public sealed record RangeSquares(string JobId, int Generation, long Step, int Range, double[] Blocks, double[] Rows) : IClusterMessage;

/// <summary>
/// Owner → every worker: range <see cref="Range"/> of weights version <see cref="Version"/>: its dense
/// slice, which starts at <see cref="DenseStart"/> of the flat vector, and the embedding rows the
/// update changed (global row ids, values row after row). <see cref="Additive"/> (under <c>--compress
/// bf16|fp16</c>): the values are 16-bit differences to add to the previous version's.
/// </summary>
[MessagePackObject(true)]
public sealed record WeightSlice(
    string JobId,
    int Generation,
    long Version,
    int Range,
    int Ranges,
    int DenseStart,
    WireFloats Dense,
    int[] Rows,
    WireFloats RowValues,
    bool Additive = false) : IClusterMessage, IViewsSenderBuffers;

/// <summary>Worker → parameter server: its replica holds every range of weights version <see cref="Version"/>.</summary>
[MessagePackObject(true)]
public sealed record WeightsReady(string JobId, int Generation, long Version, string WorkerId) : IClusterMessage;

/// <summary>Parameter server → worker: send your replica's weights (version <see cref="Version"/>) as a full <see cref="WeightUpdate"/>.</summary>
[MessagePackObject(true)]
public sealed record SendWeights(string JobId, long Version) : IClusterMessage;
