using System.Diagnostics;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Benchmarks;

/// <summary>GFLOP/s of the selected GEMM backend and the managed fallback on the PTB model's shapes.</summary>
public static class GemmThroughput
{
    public static object Run(int threads)
    {
        Gemm.SetThreads(threads);
        var shapes = new (string Name, bool TA, bool TB, int M, int N, int K)[]
        {
            ("softmax_forward", false, false, 400, 10000, 200),
            ("softmax_weight_grad", true, false, 200, 10000, 400),
            ("softmax_input_grad", false, true, 400, 200, 10000),
            ("lstm_input_projection", false, false, 400, 800, 200),
            ("lstm_recurrent_step", false, false, 20, 800, 200),
            ("group_softmax_forward", false, false, 200, 10000, 200),
            ("group_softmax_weight_grad", true, false, 200, 10000, 200),
            ("group_softmax_input_grad", false, true, 200, 200, 10000),
            ("group_lstm_recurrent_step", false, false, 10, 800, 200),
            ("group_lstm_recurrent_grad", false, true, 10, 200, 800),
        };
        var managed = new ManagedGemm();
        return shapes.Select(s => new
        {
            shape = s.Name,
            s.M,
            s.N,
            s.K,
            selected_gflops = Math.Round(Measure(Gemm.Backend, s), 1),
            managed_gflops = Math.Round(Measure(managed, s, 0.25), 1),
        }).ToList();
    }

    private static double Measure(IGemmBackend backend, (string Name, bool TA, bool TB, int M, int N, int K) s, double seconds = 1.0)
    {
        var a = new float[s.M * s.K];
        var b = new float[s.K * s.N];
        var c = new float[s.M * s.N];
        int lda = s.TA ? s.M : s.K, ldb = s.TB ? s.K : s.N;
        backend.Sgemm(s.TA, s.TB, s.M, s.N, s.K, 1f, a, lda, b, ldb, 0f, c, s.N);
        var runs = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || runs.Count < 3)
        {
            var clock = Stopwatch.StartNew();
            backend.Sgemm(s.TA, s.TB, s.M, s.N, s.K, 1f, a, lda, b, ldb, 0f, c, s.N);
            runs.Add(clock.Elapsed.TotalSeconds);
        }

        return 2.0 * s.M * s.N * s.K / StepProfile.Median(runs) / 1e9;
    }
}
