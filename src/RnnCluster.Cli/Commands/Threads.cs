using RnnCluster.Core.Numerics;

namespace RnnCluster.Cli.Commands;

public static class Threads
{
    /// <summary>Sets the GEMM thread count: <paramref name="requested"/>, or every core when 0.</summary>
    /// <exception cref="ArgumentException">When <paramref name="requested"/> is outside 0..<see cref="Core.Training.TrainingOptions.MaxThreads"/>.</exception>
    public static int Configure(int requested)
    {
        Core.Training.TrainingOptions.RequireThreads(requested);
        var threads = requested > 0 ? requested : Environment.ProcessorCount;
        Gemm.SetThreads(threads);
        return threads;
    }
}
