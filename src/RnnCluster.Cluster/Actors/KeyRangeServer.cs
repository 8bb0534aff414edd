using Akka.Actor;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A worker's part in a sharded parameter server for one generation of a job: where every key range
/// lives (<see cref="KeyRangePlacement"/>), the range this worker serves (its node index, if it is a
/// node) as a Core <see cref="KeyRangeShard"/>, and the gradient slices that arrived before this
/// worker started the step they belong to. Every range's owner gets every range's partial squares and
/// combines them in range order into the same global norm, so each applies its range with the same
/// clip factor without a round trip through the parameter server.
/// </summary>
internal sealed class KeyRangeServer
{
    private const int MaxEarlySlices = 256;
    private readonly List<GradientSlice> _early = [];
    private readonly RowValuesBuffer _rowValues;
    private readonly KeyRangeShard? _shard;
    private long _heldVersion = -1; // the weights version the served range holds; −1: not loaded
    private float[] _denseScratch = [];  // (range's dense length): a sparse slice made dense, or a 16-bit weight delta
    private readonly (double[] Blocks, double[] Rows)?[] _squares;  // per range: the current step's partial squares
    private double? _globalNorm;  // the current step's, once every range's squares are in
    private bool _applied;  // the current step's range is applied
    private float _learningRate;
    private float _clip;

    /// <param name="selfId">This worker's id (its actor path).</param>
    /// <param name="resolve">Resolves an owner's actor path to a reference.</param>
    public KeyRangeServer(string jobId, int generation, KeyRangePlacement placement, string selfId, int embeddingLength, int hidden,
        float[] weights, Func<string, IActorRef> resolve)
    {
        JobId = jobId;
        Generation = generation;
        Ranges = KeyRange.Cut(embeddingLength, hidden, weights.Length, placement.Owners.Length);
        _squares = new (double[], double[])?[Ranges.Count];
        Owners = [.. placement.Owners.Select(resolve)];
        Node = Array.IndexOf(placement.Owners, selfId);
        Peers = [.. Owners.Where((_, k) => k != Node)];
        var plan = placement.PlanInto.Zip(placement.PlanFrom).ToList();
        if (Node >= 0)
        {
            _shard = new KeyRangeShard(Ranges[Node], new float[Ranges[Node].LocalLength], placement.Owners.Length, plan);
        }

        _rowValues = new RowValuesBuffer(hidden);
    }

    public string JobId { get; }

    public int Generation { get; }

    public IReadOnlyList<KeyRange> Ranges { get; }

    /// <summary>Range k's owner (which is summation-tree node k).</summary>
    public IReadOnlyList<IActorRef> Owners { get; }

    /// <summary>The other ranges' owners: where this node's applied range goes.</summary>
    public IReadOnlyList<IActorRef> Peers { get; }

    /// <summary>This worker's node and range index; −1 when it is not one of the generation's nodes.</summary>
    public int Node { get; }

    /// <summary>The step whose partials the served range collects; −1 before the first.</summary>
    public long Step { get; private set; } = -1;

    /// <summary>The parameter server that sent the step (it gets the range's squares).</summary>
    public IActorRef Coordinator { get; private set; } = ActorRefs.Nobody;

    public bool Serves(string jobId, int generation) => JobId == jobId && Generation == generation;

    /// <summary>
    /// Starts serving <paramref name="step"/>, whose weights version is the step number: the range's
    /// weights come from the replica (then at that version) unless the range holds them already (it
    /// applied the previous step itself), then the slices that came early. Returns true when the range
    /// is complete already.
    /// </summary>
    /// <param name="learningRate">The step's SGD learning rate.</param>
    /// <param name="clip">The step's global-norm clipping threshold (0: none).</param>
    public bool BeginStep(long step, float[] replica, IActorRef coordinator, float learningRate, float clip)
    {
        Step = step;
        Coordinator = coordinator;
        _learningRate = learningRate;
        _clip = clip;
        Array.Clear(_squares);
        _globalNorm = null;
        _applied = false;
        if (_shard is null)
        {
            return false;
        }

        if (_heldVersion == step)
        {
            _shard.Abort(); // a copy of 1/N of the weights saved per step
        }
        else
        {
            _shard.Load(replica);
            _heldVersion = step;
        }

        if (_early.Count == 0)
        {
            return false;
        }

        var complete = false;
        foreach (var slice in _early.Where(s => s.Step == step).ToList())
        {
            complete = Accept(slice);
        }

        _early.RemoveAll(s => s.Step <= step);
        return complete;
    }

    /// <summary>
    /// Takes a node's slice of the served range (or keeps it until its step begins). True when every
    /// node's slice of the current step is in.
    /// </summary>
    /// <exception cref="ArgumentException">When the slice does not fit the range.</exception>
    public bool Accept(GradientSlice slice)
    {
        if (_shard is null || slice.Range != Node)
        {
            return false;
        }

        if (slice.Step != Step)
        {
            if (slice.Step > Step && _early.Count < MaxEarlySlices)
            {
                _early.Add(slice);
            }

            return false;
        }

        if (slice.RowValues.IsSparse)
        {
            throw new ArgumentException($"key range {Node}: node {slice.Node} sent sparse row values; expected dense rows");
        }

        _shard.AcceptPart(slice.Node, slice.DenseOffset, DenseOf(slice.Dense), slice.HasRows ? slice.Rows : null, slice.RowValues.Span, Math.Max(1, slice.Parts));
        TensorPool.Return(slice.Dense); // copied: the decoded array can serve the next message
        return _shard.Complete;
    }

    /// <summary>The summed range's partial sums of squares, for the other ranges' owners and the parameter server.</summary>
    public RangeSquares Reduce()
    {
        var (blocks, rows) = _shard!.Reduce();
        _squares[Node] = (blocks, rows);
        _globalNorm = KeyRangeShard.GlobalNorm(_squares);
        return new RangeSquares(JobId, Generation, Step, Node, blocks, rows);
    }

    /// <summary>Takes another range's partial squares of the current step (others are ignored).</summary>
    public void AcceptSquares(RangeSquares squares)
    {
        if (squares.Step == Step && squares.Range >= 0 && squares.Range < _squares.Length && squares.Range != Node)
        {
            _squares[squares.Range] = (squares.Blocks, squares.Rows);
            _globalNorm = KeyRangeShard.GlobalNorm(_squares);
        }
    }

    /// <summary>
    /// True when the served range can be applied now: it is summed, every range's squares are in, it is
    /// not applied yet, and the global norm is finite (when it is not, the parameter server fails the
    /// job, which diverged).
    /// </summary>
    public bool CanApply => _shard is not null && !_applied && _globalNorm is { } norm && double.IsFinite(norm);

    /// <summary>
    /// Applies the step to the served range (SGD at the step's learning rate, the gradient scaled to the
    /// global norm's clip factor; call when <see cref="CanApply"/>); returns the range's new weights for
    /// every worker (views: send at once). With <paramref name="compression"/> bf16/fp16 the slice holds 16-bit differences
    /// instead, rounded from the range's float32 weights minus <paramref name="replica"/>'s (this
    /// worker's copy, which every replica equals: see <see cref="WeightMirror"/>; the replica's range
    /// is still at the step's version, as only this range's own slice changes it).
    /// </summary>
    public WeightSlice Apply(float[] replica, WireCompression compression)
    {
        var shard = _shard!;
        shard.Apply(ParameterUpdate.ClipFactor(_globalNorm!.Value, _clip), _learningRate);
        _applied = true;
        _heldVersion = Step + 1;
        var range = shard.Range;
        var h = range.RowLength;
        var changed = shard.ChangedRows;
        var values = _rowValues.For(changed.Length);
        for (var i = 0; i < changed.Length; i++)
        {
            shard.Weights.AsSpan(changed[i] * h, h).CopyTo(values.AsSpan(i * h, h));
        }

        int[] rows = [.. changed.Select(id => id + range.FirstRow)];
        if (!compression.CompressesWeights)
        {
            return new WeightSlice(JobId, Generation, Step + 1, Node, Ranges.Count, range.DenseStart,
                shard.Weights.AsMemory(range.LocalEmbeddingLength, range.DenseLength), rows, values.AsMemory(0, changed.Length * h));
        }

        var dense = Scratch(range.DenseLength);
        GradientCompressor.RoundedDifference(shard.Weights.AsSpan(range.LocalEmbeddingLength, range.DenseLength), replica.AsSpan(range.DenseStart, range.DenseLength),
            dense, compression.Kind);
        for (var i = 0; i < rows.Length; i++)
        {
            var row = values.AsSpan(i * h, h);
            GradientCompressor.RoundedDifference(row, replica.AsSpan(rows[i] * h, h), row, compression.Kind);
        }

        var encoding = GradientCompressor.Encoding(compression.Kind);
        return new WeightSlice(JobId, Generation, Step + 1, Node, Ranges.Count, range.DenseStart,
            WireFloats.Dense(dense.AsMemory(0, range.DenseLength), encoding), rows, WireFloats.Dense(values.AsMemory(0, changed.Length * h), encoding),
            Additive: true);
    }

    /// <summary>The dense values of a received slice: a sparse one is written out into a scratch buffer.</summary>
    private ReadOnlySpan<float> DenseOf(WireFloats values)
    {
        if (!values.IsSparse)
        {
            return values.Span;
        }

        var dense = Scratch(values.Length).AsSpan(0, values.Length);
        values.CopyTo(dense);
        return dense;
    }

    private float[] Scratch(int length)
    {
        if (_denseScratch.Length < length)
        {
            _denseScratch = new float[length];
        }

        return _denseScratch;
    }

    /// <summary>
    /// Node <see cref="Node"/>'s slice of range <paramref name="range"/> of its partial gradient
    /// (<paramref name="gradient"/>, non-zero on rows <paramref name="rows"/>): views, send at once.
    /// </summary>
    /// <param name="compressor">With <c>--compress</c>: packs the slice for the wire (null: float32 views).</param>
    /// <param name="outputLayerOffset">When the output layer's part of the range went first
    /// (<see cref="OutputLayerPartOf"/>, uncompressed): where the output layer begins in the flat vector;
    /// the slice is then the rest, the second of two parts.</param>
    public GradientSlice SliceOf(int range, float[] gradient, int[] rows, GradientCompressor? compressor = null, int? outputLayerOffset = null)
    {
        var r = Ranges[range];
        var h = r.RowLength;
        var split = outputLayerOffset is { } offset && compressor is null ? r.OutputLayerSplit(offset) : r.DenseLength;
        var local = r.LocalRows(rows);
        var values = _rowValues.For(local.Length);
        for (var i = 0; i < local.Length; i++)
        {
            gradient.AsSpan((r.FirstRow + local[i]) * h, h).CopyTo(values.AsSpan(i * h, h));
        }

        var rowValues = values.AsMemory(0, local.Length * h);
        return compressor is null
            ? new GradientSlice(JobId, Generation, Step, Node, range, gradient.AsMemory(r.DenseStart, split), local, rowValues,
                Parts: split < r.DenseLength ? 2 : 1)
            : new GradientSlice(JobId, Generation, Step, Node, range, compressor.Pack(gradient, r.DenseStart, r.DenseLength), local,
                compressor.PackRows(rowValues));
    }

    /// <summary>
    /// The first of two parts of node <see cref="Node"/>'s slice of range <paramref name="range"/>: the
    /// range's share of the output layer, whose gradient is final before the rest of backward has run
    /// (the values from <paramref name="outputLayerOffset"/> of the flat vector on); a view, send at
    /// once. Null when the range holds none of the output layer (its slice goes whole).
    /// </summary>
    public GradientSlice? OutputLayerPartOf(int range, float[] gradient, int outputLayerOffset)
    {
        var r = Ranges[range];
        var split = r.OutputLayerSplit(outputLayerOffset);
        return split == r.DenseLength
            ? null
            : new GradientSlice(JobId, Generation, Step, Node, range, gradient.AsMemory(r.DenseStart + split, r.DenseLength - split), [],
                Memory<float>.Empty, DenseOffset: split, Parts: 2, HasRows: false);
    }
}
