using RnnCluster.Core.Numerics;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Says on standard error (also under --json, whose events go to standard output) when this process's
/// GEMMs fell back to the managed provider because OpenBLAS did not load: training then runs tens of
/// times slower with no other sign of why.
/// </summary>
public static class GemmFallback
{
    public static void Warn()
    {
        if (Gemm.FallbackWarning is { } warning)
        {
            Console.Error.WriteLine($"rnncluster: warning: {warning}");
        }
    }
}
