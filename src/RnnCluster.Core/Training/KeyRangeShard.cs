namespace RnnCluster.Core.Training;

/// <summary>
/// The arithmetic of one parameter-server shard for one <see cref="KeyRange"/>, in the range's local
/// layout: it takes each summation-tree node's partial gradient of the range, sums them along the
/// same tree as <see cref="TreeReduction"/> does for the whole vector, reports the sum's partial sums
/// of squares, and applies clipping and SGD to its weights once the global norm is known. With the
/// partial squares of all ranges combined in range order (<see cref="CombineSquares"/>) every float
/// ends as in <see cref="ParameterUpdate.Apply"/> on the whole vector.
/// </summary>
public sealed class KeyRangeShard
{
    private readonly List<float[]> _partials = [];          // per node: (LocalLength)
    private readonly List<GradientSupport> _supports = [];  // per node: where its partial is non-zero
    private readonly bool[] _received;
    private readonly int[] _partsIn;   // per node: parts of the current step received
    private readonly int[] _denseIn;   // per node: dense values of the current step received
    private readonly bool[] _rowsIn;   // per node: its rows part is in
    private readonly IReadOnlyList<(int Into, int From)> _plan;
    private GradientSupport? _sum;

    /// <param name="weights">The range's weights in the local layout (LocalLength floats; copied).</param>
    /// <param name="nodes">The number of summation-tree nodes (workers) whose partials are summed.</param>
    /// <param name="plan">The tree over the nodes (see <see cref="StreamGroups.SummationPlan"/>).</param>
    public KeyRangeShard(KeyRange range, ReadOnlySpan<float> weights, int nodes, IReadOnlyList<(int Into, int From)> plan)
    {
        if (weights.Length != range.LocalLength)
        {
            throw new ArgumentException($"key range {range.Index} holds {range.LocalLength} floats, got {weights.Length}", nameof(weights));
        }

        Range = range;
        Weights = weights.ToArray();
        _plan = plan;
        _received = new bool[nodes];
        _partsIn = new int[nodes];
        _denseIn = new int[nodes];
        _rowsIn = new bool[nodes];
        for (var i = 0; i < nodes; i++)
        {
            _partials.Add(new float[range.LocalLength]);
            _supports.Add(range.LocalSupport([]));
        }
    }

    public KeyRange Range { get; }

    /// <summary>The range's weights (local layout: rows, then the dense slice).</summary>
    public float[] Weights { get; }

    /// <summary>True once every node's partial is in.</summary>
    public bool Complete => Array.TrueForAll(_received, r => r);

    /// <summary>The rows (local ids) the last applied update changed.</summary>
    public int[] ChangedRows => _sum?.Rows ?? [];

    /// <summary>
    /// Takes node <paramref name="node"/>'s partial gradient of the range: its dense slice
    /// (DenseLength) and rows <paramref name="localRows"/> (sorted local ids, values row after row).
    /// </summary>
    /// <exception cref="ArgumentException">When the sizes do not fit the range.</exception>
    public void Accept(int node, ReadOnlySpan<float> dense, int[] localRows, ReadOnlySpan<float> rowValues)
        => AcceptPart(node, 0, dense, localRows, rowValues, parts: 1);

    /// <summary>
    /// Takes one of the <paramref name="parts"/> (1 or 2) parts in which node <paramref name="node"/>
    /// sends its partial gradient of the range: the dense values from local offset
    /// <paramref name="denseOffset"/> of the range's dense slice, and in one part the rows
    /// <paramref name="localRows"/> (null in the other). The rows part starts the dense slice, the other
    /// ends it; the node is in once both are, covering the dense slice once. Sent in two parts, the output layer's values go while the sender's backward still runs
    /// (see <see cref="KeyRange.OutputLayerSplit"/>); the sums are the bits of one part.
    /// </summary>
    /// <exception cref="ArgumentException">When a part does not fit the range, or the parts do not cover it.</exception>
    public void AcceptPart(int node, int denseOffset, ReadOnlySpan<float> dense, int[]? localRows, ReadOnlySpan<float> rowValues, int parts)
    {
        var h = Range.RowLength;
        if (denseOffset < 0 || denseOffset > Range.DenseLength - dense.Length || parts is < 1 or > 2
            || (localRows is null ? !rowValues.IsEmpty || denseOffset + dense.Length != Range.DenseLength : rowValues.Length != localRows.Length * h || denseOffset != 0))
        {
            throw new ArgumentException($"key range {Range.Index}: node {node} sent {dense.Length} dense values at {denseOffset} and {rowValues.Length} row values for {localRows?.Length ?? 0} rows; the range has {Range.DenseLength} dense values and rows of {h}");
        }

        var partial = _partials[node];
        dense.CopyTo(partial.AsSpan(Range.LocalEmbeddingLength + denseOffset));
        if (localRows is not null)
        {
            foreach (var id in _supports[node].Rows)
            {
                Array.Clear(partial, id * h, h);
            }

            for (var k = 0; k < localRows.Length; k++)
            {
                var id = localRows[k];
                if ((uint)id >= (uint)Range.RowCount)
                {
                    throw new ArgumentException($"key range {Range.Index}: row {id} outside its {Range.RowCount} rows");
                }

                rowValues.Slice(k * h, h).CopyTo(partial.AsSpan(id * h, h));
            }

            _supports[node] = Range.LocalSupport(localRows);
            _rowsIn[node] = true;
        }

        _partsIn[node]++;
        _denseIn[node] += dense.Length;
        if (_partsIn[node] < parts)
        {
            return;
        }

        if (_partsIn[node] > parts || _denseIn[node] != Range.DenseLength || !_rowsIn[node])
        {
            var (partsIn, denseIn, rowsIn) = (_partsIn[node], _denseIn[node], _rowsIn[node]);
            Forget(node);
            throw new ArgumentException($"key range {Range.Index}: node {node}'s {partsIn} of {parts} parts hold {denseIn} of {Range.DenseLength} dense values{(rowsIn ? string.Empty : " and no rows part")}");
        }

        _received[node] = true;
    }

    /// <summary>
    /// Sums the nodes' partials along the tree (into node 0's buffer) and returns the sum's partial sums
    /// of squares: per dense block in order, and per row in row order.
    /// </summary>
    /// <exception cref="InvalidOperationException">When a node's partial is missing.</exception>
    public (double[] Blocks, double[] Rows) Reduce()
    {
        if (!Complete)
        {
            throw new InvalidOperationException($"key range {Range.Index}: {_received.Count(r => r)} of {_received.Length} partials in");
        }

        _sum = TreeReduction.Sum(_plan, _partials, _supports, 1);
        foreach (var into in _plan.Select(p => p.Into).Distinct())
        {
            _supports[into] = _sum; // buffers added into hold others' rows now: zero them all next time
        }

        return (_sum.DenseBlockSquares(_partials[0]), _sum.RowSquares(_partials[0]));
    }

    /// <summary>
    /// Clips by <paramref name="clipFactor"/> (null: no clipping) and takes the SGD step at
    /// <paramref name="learningRate"/> on the summed gradient of <see cref="Reduce"/>; then waits for
    /// the next step's partials.
    /// </summary>
    public void Apply(float? clipFactor, float learningRate)
    {
        var sum = _sum ?? throw new InvalidOperationException($"key range {Range.Index}: reduce before applying");
        var gradient = _partials[0];
        if (clipFactor is { } factor)
        {
            sum.Scale(gradient, factor);
        }

        sum.SgdStep(Weights, gradient, learningRate);
        Abort();
    }

    /// <summary>Forgets the partials received so far (the step is redone).</summary>
    public void Abort()
    {
        for (var node = 0; node < _received.Length; node++)
        {
            Forget(node);
        }
    }

    private void Forget(int node)
    {
        _received[node] = false;
        _partsIn[node] = 0;
        _denseIn[node] = 0;
        _rowsIn[node] = false;
    }

    /// <summary>Takes the range's weights from the flat vector <paramref name="full"/> and forgets the partials received so far.</summary>
    public void Load(ReadOnlySpan<float> full)
    {
        Range.CopyOut(full, Weights);
        Abort();
    }

    /// <summary>
    /// Adds the ranges' partial sums of squares in the order <see cref="GradientSupport.SumOfSquares"/>
    /// adds them for the whole vector: every range's blocks (in range order), then every range's rows.
    /// </summary>
    public static double CombineSquares(IReadOnlyList<(double[] Blocks, double[] Rows)> byRange)
        => GradientSupport.CombineSquares([.. byRange.Select(r => r.Blocks), .. byRange.Select(r => r.Rows)]);

    /// <summary>
    /// The global gradient norm from every range's partial squares (<see cref="CombineSquares"/>, so every
    /// owner and the parameter server get the same bits); null while some range's squares are missing.
    /// </summary>
    public static double? GlobalNorm(IReadOnlyList<(double[] Blocks, double[] Rows)?> byRange)
        => byRange.All(q => q is not null) ? Math.Sqrt(CombineSquares([.. byRange.Select(q => q!.Value)])) : null;
}
