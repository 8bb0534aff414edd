namespace RnnCluster.Core.Training;

/// <summary>
/// One key range of a sharded parameter server (Li et al., OSDI 2014): embedding rows
/// [<see cref="FirstRow"/>, +<see cref="RowCount"/>) and the dense floats
/// [<see cref="DenseStart"/>, +<see cref="DenseLength"/>) of the flat parameter vector. A shard holds
/// its range in a local layout: the rows (RowCount·H floats), then the dense slice, so a
/// <see cref="GradientSupport"/> with embedding length RowCount·H and row ids relative to FirstRow
/// describes a local gradient, and every elementwise operation (the summation tree, clipping, SGD)
/// gives the bits it gives on the whole vector.
/// </summary>
/// <param name="RowLength">H: floats per embedding row.</param>
public sealed record KeyRange(int Index, int RowLength, int FirstRow, int RowCount, int DenseStart, int DenseLength)
{
    /// <summary>Floats of the local layout: RowCount·H + DenseLength.</summary>
    public int LocalLength => (RowCount * RowLength) + DenseLength;

    /// <summary>Floats of the rows part of the local layout (its "embedding length").</summary>
    public int LocalEmbeddingLength => RowCount * RowLength;

    /// <summary>
    /// Cuts a flat vector of <paramref name="size"/> floats whose first <paramref name="embeddingLength"/>
    /// are an embedding of rows of <paramref name="rowLength"/> into <paramref name="parts"/> ranges:
    /// the rows evenly by count, the dense part evenly by <see cref="GradientSupport.NormBlock"/> blocks
    /// (so each range's partial sums of squares group as the whole vector's). Ranges balance the bytes a
    /// step moves: the whole dense part goes each way every step, the embedding only in the rows a window
    /// touched.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When parts is below 1 or the layout is inconsistent.</exception>
    public static IReadOnlyList<KeyRange> Cut(int embeddingLength, int rowLength, int size, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowLength, 1);
        if (embeddingLength < 0 || embeddingLength % rowLength != 0 || size < embeddingLength)
        {
            throw new ArgumentOutOfRangeException(nameof(embeddingLength), $"an embedding of {embeddingLength} floats in rows of {rowLength} does not fit a vector of {size}");
        }

        var rows = embeddingLength / rowLength;
        var dense = size - embeddingLength;
        var blocks = (dense + GradientSupport.NormBlock - 1) / GradientSupport.NormBlock;
        var ranges = new KeyRange[parts];
        for (var k = 0; k < parts; k++)
        {
            int firstRow = (int)((long)rows * k / parts), endRow = (int)((long)rows * (k + 1) / parts);
            int firstBlock = (int)((long)blocks * k / parts), endBlock = (int)((long)blocks * (k + 1) / parts);
            var start = Math.Min(dense, firstBlock * GradientSupport.NormBlock);
            var end = Math.Min(dense, endBlock * GradientSupport.NormBlock);
            ranges[k] = new KeyRange(k, rowLength, firstRow, endRow - firstRow, embeddingLength + start, end - start);
        }

        return ranges;
    }

    /// <summary>
    /// Where the output layer begins in this range's dense slice (a local offset in [0, DenseLength]),
    /// given where it begins in the flat vector (<paramref name="outputLayerOffset"/>): the values from
    /// there on are final before the rest of backward has run. DenseLength: the range holds none of it.
    /// </summary>
    public int OutputLayerSplit(int outputLayerOffset) => Math.Clamp(outputLayerOffset - DenseStart, 0, DenseLength);

    /// <summary>The rows of <paramref name="sortedRows"/> (global ids, sorted) inside this range, as local ids.</summary>
    public int[] LocalRows(ReadOnlySpan<int> sortedRows)
    {
        var local = new List<int>();
        foreach (var id in sortedRows)
        {
            if (id >= FirstRow && id < FirstRow + RowCount)
            {
                local.Add(id - FirstRow);
            }
        }

        return [.. local];
    }

    /// <summary>A support in the local layout for local row ids <paramref name="localRows"/> (sorted).</summary>
    public GradientSupport LocalSupport(int[] localRows) => new(LocalEmbeddingLength, RowLength, localRows);

    /// <summary>Copies this range of the flat vector <paramref name="full"/> (all its rows) into <paramref name="local"/> (LocalLength).</summary>
    public void CopyOut(ReadOnlySpan<float> full, Span<float> local)
    {
        full.Slice(FirstRow * RowLength, LocalEmbeddingLength).CopyTo(local);
        full.Slice(DenseStart, DenseLength).CopyTo(local[LocalEmbeddingLength..]);
    }

    /// <summary>Writes the dense slice and the local rows <paramref name="localRows"/> of <paramref name="local"/> back into <paramref name="full"/>.</summary>
    public void CopyIn(ReadOnlySpan<float> local, ReadOnlySpan<int> localRows, Span<float> full)
    {
        local.Slice(LocalEmbeddingLength, DenseLength).CopyTo(full.Slice(DenseStart, DenseLength));
        foreach (var row in localRows)
        {
            local.Slice(row * RowLength, RowLength).CopyTo(full.Slice((FirstRow + row) * RowLength, RowLength));
        }
    }
}
