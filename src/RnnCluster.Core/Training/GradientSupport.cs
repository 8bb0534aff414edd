using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Training;

/// <summary>
/// Where a flat gradient (layout size N) may be non-zero: the dense part [<see cref="EmbeddingLength"/>, N)
/// after the embedding matrix, and the embedding rows <see cref="Rows"/> (token ids, sorted and
/// distinct, <see cref="RowLength"/> = H floats each). A window of T·B tokens touches at most T·B of
/// the V rows, so clipping and SGD skip the rest (zero stays zero, w − lr·0 = w).
/// </summary>
public sealed record GradientSupport(int EmbeddingLength, int RowLength, int[] Rows)
{
    /// <summary>
    /// The dense part is processed in blocks of this many floats (256 KiB), in parallel. The block size,
    /// not the thread count, fixes how the partial sums of squares are grouped, so results never depend
    /// on threads; key ranges of a sharded parameter server start on block boundaries (see
    /// <see cref="KeyRange"/>) so their partial sums group the same way.
    /// </summary>
    public const int NormBlock = 1 << 16;

    /// <summary>
    /// Σ g² over the support: each fixed block of the dense part by <see cref="Ops.SumOfSquares"/> (in
    /// parallel), the blocks added in order, then each row in order: the same support gives the same bits
    /// whatever the thread count (see <see cref="CombineSquares"/>).
    /// </summary>
    public double SumOfSquares(float[] gradient) => CombineSquares([DenseBlockSquares(gradient), RowSquares(gradient)]);

    /// <summary>Σ g² of each fixed block of the dense part, in block order.</summary>
    public double[] DenseBlockSquares(float[] gradient)
    {
        var blocks = new double[BlockCount(gradient)];
        Parallel.For(0, blocks.Length, b => blocks[b] = Ops.SumOfSquares(DenseBlock(gradient, b)));
        return blocks;
    }

    /// <summary>Σ g² of each embedding row of the support, in <see cref="Rows"/> order (rows in parallel chunks; each row's sum is the same whatever the threads).</summary>
    public double[] RowSquares(float[] gradient)
    {
        var rows = new double[Rows.Length];
        ForRowChunks(Rows.Length, (from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                rows[i] = Ops.SumOfSquares(gradient.AsSpan(Rows[i] * RowLength, RowLength));
            }
        });
        return rows;
    }

    /// <summary>Rows handled per task when a support's rows are processed in parallel.</summary>
    public const int RowChunk = 512;

    /// <summary>
    /// Runs <paramref name="body"/>(from, to) over [0, <paramref name="count"/>) in chunks of
    /// <see cref="RowChunk"/>, in parallel when there is more than one (rows are scattered over a large
    /// matrix, so a step touching thousands of them, as CBOW's do, waits on memory more than on arithmetic).
    /// </summary>
    public static void ForRowChunks(int count, Action<int, int> body)
    {
        var chunks = (count + RowChunk - 1) / RowChunk;
        if (chunks <= 1)
        {
            body(0, count);
            return;
        }

        Parallel.For(0, chunks, c => body(c * RowChunk, Math.Min(count, (c + 1) * RowChunk)));
    }

    /// <summary>
    /// Adds partial sums of squares in the order given: every dense block first (in block order), then
    /// every row (in row order). A sharded server passes its key ranges' block sums, then their row sums,
    /// and gets the bits of <see cref="SumOfSquares"/> on the whole gradient.
    /// </summary>
    public static double CombineSquares(IEnumerable<IEnumerable<double>> partsInOrder)
    {
        var total = 0.0;
        foreach (var part in partsInOrder)
        {
            foreach (var value in part)
            {
                total += value;
            }
        }

        return total;
    }

    /// <summary>g ← factor · g over the support.</summary>
    public void Scale(float[] gradient, float factor)
    {
        Parallel.For(0, BlockCount(gradient), b =>
        {
            var block = DenseBlock(gradient, b);
            TensorPrimitives.Multiply(block, factor, block);
        });
        ForRowChunks(Rows.Length, (from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                var row = gradient.AsSpan(Rows[i] * RowLength, RowLength);
                TensorPrimitives.Multiply(row, factor, row);
            }
        });
    }

    /// <summary>SGD over the support: w ← w − lr·g (elementwise, in parallel over the dense blocks).</summary>
    public void SgdStep(float[] weights, float[] gradient, float learningRate)
    {
        Parallel.For(0, BlockCount(gradient), b =>
        {
            var w = DenseBlock(weights, b);
            TensorPrimitives.MultiplyAdd(DenseBlock(gradient, b), -learningRate, w, w);
        });
        ForRowChunks(Rows.Length, (from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                var id = Rows[i];
                var w = weights.AsSpan(id * RowLength, RowLength);
                TensorPrimitives.MultiplyAdd(gradient.AsSpan(id * RowLength, RowLength), -learningRate, w, w);
            }
        });
    }

    private int BlockCount(float[] vector) => (vector.Length - EmbeddingLength + NormBlock - 1) / NormBlock;

    private Span<float> DenseBlock(float[] vector, int block)
    {
        var start = EmbeddingLength + (block * NormBlock);
        return vector.AsSpan(start, Math.Min(NormBlock, vector.Length - start));
    }
}
