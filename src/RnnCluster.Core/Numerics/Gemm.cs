namespace RnnCluster.Core.Numerics;

/// <summary>
/// The one GEMM entry point. Picks native OpenBLAS when it loads (the library named by
/// <c>RNNCLUSTER_OPENBLAS</c> when set, else the usual names), else the managed MathNet provider;
/// <c>RNNCLUSTER_GEMM=managed</c> forces the fallback.
/// </summary>
public static class Gemm
{
    /// <summary>Environment variable naming the OpenBLAS library to load (a path or a name) instead of the usual names.</summary>
    public const string LibraryVariable = "RNNCLUSTER_OPENBLAS";

    private static readonly Lazy<(IGemmBackend Backend, string Reason, bool FellBack)> Selected = new(Select);

    public static IGemmBackend Backend => Selected.Value.Backend;

    /// <summary>Why this backend was chosen (the load attempts when the fallback was taken).</summary>
    public static string SelectionReason => Selected.Value.Reason;

    public static string Describe() => $"{Backend.Name}; {SelectionReason}";

    /// <summary>
    /// What to tell the user when OpenBLAS did not load and the managed fallback was taken without
    /// being asked for (it is tens of times slower: 34× on PTB's tied RNN 1×450 here); null otherwise.
    /// </summary>
    public static string? FallbackWarning => Selected.Value.FellBack
        ? $"{SelectionReason}: every GEMM runs on the managed fallback, tens of times slower; install libopenblas0 (apt-get install libopenblas0) or set {LibraryVariable} to an OpenBLAS library"
        : null;

    public static void SetThreads(int threads) => Backend.SetThreads(threads);

    /// <summary>C(m×n) = alpha·op(A)·op(B) + beta·C, all row-major.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => Backend.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    private static (IGemmBackend, string, bool) Select()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("RNNCLUSTER_GEMM"), "managed", StringComparison.OrdinalIgnoreCase))
        {
            return (new ManagedGemm(), "forced by RNNCLUSTER_GEMM=managed", false);
        }

        var attempts = new List<string>();
        var named = Environment.GetEnvironmentVariable(LibraryVariable);
        var native = OpenBlasGemm.TryLoad(attempts, string.IsNullOrWhiteSpace(named) ? null : named);
        return native is not null
            ? (native, "native library loaded", false)
            : (new ManagedGemm(), "OpenBLAS not loaded (" + string.Join("; ", attempts) + ")", true);
    }
}
