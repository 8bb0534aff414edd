using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Training;

/// <summary>
/// How a process spends its threads on one step: <see cref="ParallelGroups"/> stream groups at once,
/// each GEMM on <see cref="GemmThreads"/> threads. Measured on a 2-core AVX2 host (PTB small): one
/// thread on 10 streams takes 77 ms per 200 tokens, two GEMM threads on 20 streams 103 ms per 400
/// tokens, so groups in parallel with single-threaded GEMMs beat threaded GEMMs.
/// </summary>
public sealed record ComputePlan(int Threads, int Groups, int ParallelGroups, int GemmThreads)
{
    /// <summary>
    /// The plan for <paramref name="groups"/> local groups on <paramref name="threads"/> threads (0: every core).
    /// Deterministic training keeps every GEMM single-threaded.
    /// </summary>
    public static ComputePlan For(int threads, int groups, bool deterministic)
    {
        var t = threads > 0 ? threads : Environment.ProcessorCount;
        var parallel = Math.Max(1, Math.Min(t, groups));
        return new ComputePlan(t, groups, parallel, deterministic ? 1 : Math.Max(1, t / parallel));
    }

    /// <summary>Sets the process's GEMM thread count to <see cref="GemmThreads"/>.</summary>
    public void ConfigureGemm() => Gemm.SetThreads(GemmThreads);
}
