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
    // The dense part is processed in blocks of this many floats, in parallel. The block size, not the
    // thread count, fixes how the partial sums of squares are grouped, so results never depend on threads.
    private const int Block = 1 << 19;

    /// <summary>
    /// Σ g² over the support: each fixed block of the dense part by <see cref="Ops.SumOfSquares"/> (in
    /// parallel), the blocks added in order, then each row in order: the same support gives the same bits
    /// whatever the thread count.
    /// </summary>
    public double SumOfSquares(float[] gradient)
    {
        var blocks = new double[BlockCount(gradient)];
        Parallel.For(0, blocks.Length, b => blocks[b] = Ops.SumOfSquares(DenseBlock(gradient, b)));
        var total = 0.0;
        foreach (var partial in blocks)
        {
            total += partial;
        }

        foreach (var id in Rows)
        {
            total += Ops.SumOfSquares(gradient.AsSpan(id * RowLength, RowLength));
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
        foreach (var id in Rows)
        {
            var row = gradient.AsSpan(id * RowLength, RowLength);
            TensorPrimitives.Multiply(row, factor, row);
        }
    }

    /// <summary>SGD over the support: w ← w − lr·g (elementwise, in parallel over the dense blocks).</summary>
    public void SgdStep(float[] weights, float[] gradient, float learningRate)
    {
        Parallel.For(0, BlockCount(gradient), b =>
        {
            var w = DenseBlock(weights, b);
            TensorPrimitives.MultiplyAdd(DenseBlock(gradient, b), -learningRate, w, w);
        });
        foreach (var id in Rows)
        {
            var w = weights.AsSpan(id * RowLength, RowLength);
            TensorPrimitives.MultiplyAdd(gradient.AsSpan(id * RowLength, RowLength), -learningRate, w, w);
        }
    }

    private int BlockCount(float[] vector) => (vector.Length - EmbeddingLength + Block - 1) / Block;

    private Span<float> DenseBlock(float[] vector, int block)
    {
        var start = EmbeddingLength + (block * Block);
        return vector.AsSpan(start, Math.Min(Block, vector.Length - start));
    }
}
