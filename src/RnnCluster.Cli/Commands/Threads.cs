using RnnCluster.Core.Numerics;

namespace RnnCluster.Cli.Commands;

public static class Threads
{
    /// <summary>Sets the GEMM thread count: <paramref name="requested"/>, or every core when 0.</summary>
    public static int Configure(int requested)
    {
        var threads = requested > 0 ? requested : Environment.ProcessorCount;
        Gemm.SetThreads(threads);
        return threads;
    }
}
