using MathNet.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace RnnCluster.Core.Numerics;

/// <summary>
/// Portable fallback through MathNet.Numerics' managed provider. MathNet is column-major and takes
/// dense arrays, so operands are packed and Cᵀ = op(B)ᵀ·op(A)ᵀ is computed (a row-major matrix is its
/// transpose in column-major order).
/// </summary>
public sealed class ManagedGemm : IGemmBackend
{
    public ManagedGemm()
    {
        Control.UseManaged();
    }

    public string Name => "managed (MathNet.Numerics)";

    public void SetThreads(int threads)
    {
        Control.MaxDegreeOfParallelism = Math.Max(1, threads);
    }

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmChecks.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        var (aRows, aCols) = transA ? (k, m) : (m, k);
        var (bRows, bCols) = transB ? (n, k) : (k, n);
        // MathNet checks array lengths exactly, so operands are packed into fresh dense arrays.
        var packedA = Pack(a, aRows, aCols, lda);
        var packedB = Pack(b, bRows, bCols, ldb);
        var packedC = Pack(c, m, n, ldc);

        // Column-major views: packedB is (bCols × bRows), packedA is (aCols × aRows), packedC is (n × m).
        LinearAlgebraControl.Provider.MatrixMultiplyWithUpdate(
            transB ? Transpose.Transpose : Transpose.DontTranspose,
            transA ? Transpose.Transpose : Transpose.DontTranspose,
            alpha, packedB, bCols, bRows, packedA, aCols, aRows, beta, packedC);
        for (var row = 0; row < m; row++)
        {
            packedC.AsSpan(row * n, n).CopyTo(c.Slice(row * ldc, n));
        }
    }

    private static float[] Pack(ReadOnlySpan<float> source, int rows, int cols, int ld)
    {
        var packed = new float[rows * cols];
        for (var row = 0; row < rows; row++)
        {
            source.Slice(row * ld, cols).CopyTo(packed.AsSpan(row * cols, cols));
        }

        return packed;
    }
}
