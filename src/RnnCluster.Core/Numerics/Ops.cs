using System.Numerics.Tensors;

namespace RnnCluster.Core.Numerics;

/// <summary>Elementwise kernels the layers share, on spans (TensorPrimitives underneath).</summary>
public static class Ops
{
    /// <summary>dx = dy ⊙ (1 − y²), for y = tanh(x).</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < y.Length; i++)
        {
            dx[i] = dy[i] * (1f - (y[i] * y[i]));
        }
    }

    /// <summary>Adds <paramref name="bias"/> to every row of a (rows × bias.Length) matrix.</summary>
    public static void AddRowVector(Span<float> matrix, int rows, ReadOnlySpan<float> bias)
    {
        var n = bias.Length;
        for (var r = 0; r < rows; r++)
        {
            var row = matrix.Slice(r * n, n);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>sum[j] += Σ_r matrix[r, j] over a (rows × sum.Length) matrix.</summary>
    public static void AccumulateColumnSums(ReadOnlySpan<float> matrix, int rows, Span<float> sum)
    {
        var n = sum.Length;
        for (var r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(sum, matrix.Slice(r * n, n), sum);
        }
    }

    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        // Chunked so each partial stays exact enough in float while the total accumulates in double.
        const int chunk = 4096;
        double total = 0;
        for (var i = 0; i < x.Length; i += chunk)
        {
            var part = x.Slice(i, Math.Min(chunk, x.Length - i));
            total += TensorPrimitives.Dot(part, part);
        }

        return total;
    }
}
