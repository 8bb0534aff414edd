namespace RnnCluster.Core.Numerics;

/// <summary>
/// The one GEMM entry point. Picks native OpenBLAS when it loads, else the managed MathNet provider;
/// <c>RNNCLUSTER_GEMM=managed</c> forces the fallback.
/// </summary>
public static class Gemm
{
    private static readonly Lazy<(IGemmBackend Backend, string Reason)> Selected = new(Select);

    public static IGemmBackend Backend => Selected.Value.Backend;

    /// <summary>Why this backend was chosen (the load attempts when the fallback was taken).</summary>
    public static string SelectionReason => Selected.Value.Reason;

    public static string Describe() => $"{Backend.Name}; {SelectionReason}";

    public static void SetThreads(int threads) => Backend.SetThreads(threads);

    /// <summary>C(m×n) = alpha·op(A)·op(B) + beta·C, all row-major.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => Backend.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    private static (IGemmBackend, string) Select()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("RNNCLUSTER_GEMM"), "managed", StringComparison.OrdinalIgnoreCase))
        {
            return (new ManagedGemm(), "forced by RNNCLUSTER_GEMM=managed");
        }

        var attempts = new List<string>();
        var native = OpenBlasGemm.TryLoad(attempts);
        return native is not null
            ? (native, "native library loaded")
            : (new ManagedGemm(), "OpenBLAS not loaded (" + string.Join("; ", attempts) + "); install libopenblas0 for speed");
    }
}
