using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Tests.Models;

public class GemmBackendTests
{
    private static readonly IGemmBackend Managed = new ManagedGemm();

    public static TheoryData<bool, bool, int, int, int> Shapes() => new()
    {
        { false, false, 1, 1, 1 },
        { false, false, 20, 800, 200 },
        { false, true, 17, 13, 29 },
        { true, false, 31, 7, 400 },
        { true, true, 5, 9, 3 },
        { false, false, 64, 1000, 33 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Managed_backend_matches_reference_kernel(bool transA, bool transB, int m, int n, int k)
        => AssertAgrees(Managed, transA, transB, m, n, k);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Selected_backend_matches_reference_kernel(bool transA, bool transB, int m, int n, int k)
        => AssertAgrees(Gemm.Backend, transA, transB, m, n, k);

    [Fact]
    public void OpenBlas_is_used_when_installed()
    {
        var attempts = new List<string>();
        var native = OpenBlasGemm.TryLoad(attempts);
        if (native is null)
        {
            Assert.NotEmpty(attempts);
            Assert.Contains("managed", Gemm.Backend.Name, StringComparison.Ordinal);
            return;
        }

        AssertAgrees(native, false, true, 40, 50, 60);
    }

    [Fact]
    public void Rejects_a_span_too_short_for_its_shape()
    {
        var c = new float[4];
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, new float[5], 3, new float[6], 2, 0f, c, 2));
    }

    private static void AssertAgrees(IGemmBackend backend, bool transA, bool transB, int m, int n, int k)
    {
        var rng = new Rng((ulong)(m * 1000 + n * 10 + k));
        // Leading dimensions wider than the matrices exercise the strided paths.
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2;
        var a = Random(rng, (transA ? k : m) * lda);
        var b = Random(rng, (transB ? n : k) * ldb);
        var c = Random(rng, m * ldc);
        var expected = (float[])c.Clone();
        Reference(transA, transB, m, n, k, 0.7f, a, lda, b, ldb, 0.3f, expected, ldc);
        backend.Sgemm(transA, transB, m, n, k, 0.7f, a, lda, b, ldb, 0.3f, c, ldc);
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                Assert.True(Math.Abs(expected[(i * ldc) + j] - c[(i * ldc) + j]) <= 1e-4 * (1 + Math.Sqrt(k)), $"{backend.Name} at ({i},{j})");
            }

            for (var j = n; j < ldc; j++)
            {
                Assert.Equal(expected[(i * ldc) + j], c[(i * ldc) + j]); // padding untouched
            }
        }
    }

    /// <summary>The plain, obviously right kernel, accumulating in double.</summary>
    private static void Reference(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var p = 0; p < k; p++)
                {
                    var av = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    var bv = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += (double)av * bv;
                }

                c[(i * ldc) + j] = (float)((alpha * sum) + (beta * c[(i * ldc) + j]));
            }
        }
    }

    private static float[] Random(Rng rng, int length)
    {
        var x = new float[length];
        for (var i = 0; i < length; i++)
        {
            x[i] = rng.NextFloat(-1f, 1f);
        }

        return x;
    }
}
