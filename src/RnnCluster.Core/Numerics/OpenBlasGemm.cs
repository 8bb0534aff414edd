using System.Runtime.InteropServices;

namespace RnnCluster.Core.Numerics;

/// <summary>GEMM through native OpenBLAS <c>cblas_sgemm</c>, resolved at run time.</summary>
public sealed unsafe class OpenBlasGemm : IGemmBackend
{
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    private static readonly string[] CandidateNames =
    [
        "libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", "libopenblas.dylib", "libopenblas.dll", "openblas",
    ];

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setThreads;

    private OpenBlasGemm(string libraryName, nint sgemm, nint setThreads)
    {
        Name = $"openblas ({libraryName})";
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        _setThreads = (delegate* unmanaged<int, void>)setThreads;
    }

    public string Name { get; }

    /// <summary>
    /// Tries <paramref name="library"/> (a path or a name) when given, else each known library name;
    /// <paramref name="attempts"/> records why each one failed.
    /// </summary>
    public static OpenBlasGemm? TryLoad(List<string> attempts, string? library = null)
    {
        foreach (var name in library is null ? CandidateNames : [library])
        {
            if (!NativeLibrary.TryLoad(name, out var handle))
            {
                attempts.Add(library is null ? $"{name}: not found" : $"{Gemm.LibraryVariable}={name}: not found");
                continue;
            }

            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm))
            {
                attempts.Add($"{name}: no cblas_sgemm export");
                continue;
            }

            NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var setThreads);
            return new OpenBlasGemm(name, sgemm, setThreads);
        }

        return null;
    }

    public void SetThreads(int threads)
    {
        if (_setThreads != null)
        {
            _setThreads(Math.Max(1, threads));
        }
    }

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmChecks.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }
}
