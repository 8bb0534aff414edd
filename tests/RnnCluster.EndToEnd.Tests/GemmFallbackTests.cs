namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// A process whose OpenBLAS does not load trains tens of times slower on the managed GEMM: it must say
/// so on standard error, also under --json and on a worker node, whose progress shows nothing else.
/// </summary>
public sealed class GemmFallbackTests
{
    private const string Missing = "/nonexistent/libopenblas.so.0";
    private static readonly Dictionary<string, string> NoOpenBlas = new() { ["RNNCLUSTER_OPENBLAS"] = Missing };
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Train_warns_when_openblas_does_not_load_and_not_when_it_does()
    {
        using var fallback = CliProcess.StartWith(NoOpenBlas, "train", "--max-steps", "2", "--json");
        Assert.Equal(0, await fallback.WaitForExitAsync(Timeout));
        var warning = Assert.Single(Lines(fallback.Errors), l => l.StartsWith("rnncluster: warning:", StringComparison.Ordinal));
        Assert.Contains($"OpenBLAS not loaded (RNNCLUSTER_OPENBLAS={Missing}: not found)", warning);
        Assert.Contains("install libopenblas0", warning);
        Assert.Contains(fallback.EventsNamed("start"), e => e.GetProperty("message").GetString()!.StartsWith("gemm backend: managed", StringComparison.Ordinal));

        using var native = CliProcess.StartWith(new Dictionary<string, string>(), "train", "--max-steps", "2", "--json");
        Assert.Equal(0, await native.WaitForExitAsync(Timeout));
        Assert.DoesNotContain(Lines(native.Errors), l => l.Contains("warning", StringComparison.Ordinal));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task A_worker_node_warns_before_it_joins()
    {
        using var node = CliProcess.StartWith(NoOpenBlas, "node", "--roles", "worker", "--seeds", "127.0.0.1:9", "--join-timeout", "2");
        Assert.NotEqual(0, await node.WaitForExitAsync(Timeout)); // nothing listens on the seed's port
        Assert.Contains(Lines(node.Errors), l => l.StartsWith("rnncluster: warning: OpenBLAS not loaded", StringComparison.Ordinal));
    }
}
