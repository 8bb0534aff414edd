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
    /// <summary>Σ g² over the support: the dense part, then each row in order (a fixed order, so the same support gives the same bits).</summary>
    public double SumOfSquares(ReadOnlySpan<float> gradient)
    {
        var total = Ops.SumOfSquares(gradient[EmbeddingLength..]);
        foreach (var id in Rows)
        {
            total += Ops.SumOfSquares(gradient.Slice(id * RowLength, RowLength));
        }

        return total;
    }

    /// <summary>g ← factor · g over the support.</summary>
    public void Scale(Span<float> gradient, float factor)
    {
        var dense = gradient[EmbeddingLength..];
        TensorPrimitives.Multiply(dense, factor, dense);
        foreach (var id in Rows)
        {
            var row = gradient.Slice(id * RowLength, RowLength);
            TensorPrimitives.Multiply(row, factor, row);
        }
    }

    /// <summary>SGD over the support: w ← w − lr·g.</summary>
    public void SgdStep(Span<float> weights, ReadOnlySpan<float> gradient, float learningRate)
    {
        TensorPrimitives.MultiplyAdd(gradient[EmbeddingLength..], -learningRate, weights[EmbeddingLength..], weights[EmbeddingLength..]);
        foreach (var id in Rows)
        {
            var w = weights.Slice(id * RowLength, RowLength);
            TensorPrimitives.MultiplyAdd(gradient.Slice(id * RowLength, RowLength), -learningRate, w, w);
        }
    }
}
