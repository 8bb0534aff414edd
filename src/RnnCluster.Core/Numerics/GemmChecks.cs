namespace RnnCluster.Core.Numerics;

internal static class GemmChecks
{
    /// <summary>Checks once that every operand span covers its row-major matrix, so kernels can run unchecked.</summary>
    public static void Validate(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentException($"negative GEMM shape m={m} n={n} k={k}");
        }

        var (aRows, aCols) = transA ? (k, m) : (m, k);
        var (bRows, bCols) = transB ? (n, k) : (k, n);
        Require("A", aRows, aCols, aLength, lda);
        Require("B", bRows, bCols, bLength, ldb);
        Require("C", m, n, cLength, ldc);
    }

    private static void Require(string name, int rows, int cols, int length, int ld)
    {
        if (ld < Math.Max(1, cols))
        {
            throw new ArgumentException($"GEMM {name}: leading dimension {ld} < columns {cols}");
        }

        if (rows > 0 && cols > 0 && (long)(rows - 1) * ld + cols > length)
        {
            throw new ArgumentException($"GEMM {name}: span of {length} floats is too short for {rows}x{cols} (ld {ld})");
        }
    }
}
