namespace RnnCluster.Core.Numerics;

/// <summary>A row-major single-precision GEMM: C = alpha·op(A)·op(B) + beta·C.</summary>
public interface IGemmBackend
{
    string Name { get; }

    void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc);

    void SetThreads(int threads);
}
