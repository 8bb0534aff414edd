using RnnCluster.Core.Numerics;

namespace RnnCluster.Cli.Commands;

public static class Threads
{
    /// <summary>Sets the GEMM thread count: <paramref name="requested"/>, or every core when 0.</summary>
    /// <exception cref="ArgumentException">When <paramref name="requested"/> is outside 0..<see cref="Core.Training.TrainingOptions.MaxThreads"/>.</exception>
    public static int Configure(int requested)
    {
        Core.Training.TrainingOptions.RequireThreads(requested);
        var threads = Resolve(requested);
        Gemm.SetThreads(threads);
        return threads;
    }

    /// <summary>The thread count <paramref name="requested"/> stands for on this machine: itself, or every core when 0.</summary>
    public static int Resolve(int requested) => requested > 0 ? requested : Environment.ProcessorCount;
}
