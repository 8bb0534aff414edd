using System.Diagnostics;
using System.Globalization;

namespace RnnCluster.Benchmarks;

/// <summary>
/// A private network of Linux network namespaces for a cluster benchmark: node i lives in namespace
/// <c>rnncl-i</c> with address 10.77.0.(i+1)/24 on a veth pair whose host end is on bridge
/// <c>rnnclbr</c>. Every node's link is rate-limited in both directions by a token bucket
/// (<c>tc qdisc … tbf</c>: the host end shapes traffic into the node, the namespace end traffic out
/// of it). Created by <see cref="Create"/>, removed by <see cref="Dispose"/> (and any leftovers of an
/// earlier run are removed first). Needs root and iproute2.
/// </summary>
public sealed class NamespaceNetwork : IDisposable
{
    private const string Bridge = "rnnclbr";
    private const string Prefix = "rnncl-";

    private NamespaceNetwork(int nodes, double gigabitsPerSecond)
    {
        Nodes = nodes;
        GigabitsPerSecond = gigabitsPerSecond;
    }

    public int Nodes { get; }

    /// <summary>Each node link's rate in Gbit/s (10⁹ bits per second), in each direction.</summary>
    public double GigabitsPerSecond { get; }

    /// <summary>Node <paramref name="i"/>'s address.</summary>
    public static string Address(int i) => $"10.77.0.{i + 1}";

    public static string Namespace(int i) => $"{Prefix}{i}";

    /// <exception cref="InvalidOperationException">When a command fails (not root, no iproute2).</exception>
    public static NamespaceNetwork Create(int nodes, double gigabitsPerSecond)
    {
        RemoveLeftovers();
        var network = new NamespaceNetwork(nodes, gigabitsPerSecond);
        try
        {
            Run("ip", $"link add {Bridge} type bridge");
            Run("ip", $"addr add 10.77.0.254/24 dev {Bridge}");
            Run("ip", $"link set {Bridge} up");
            var rate = $"{gigabitsPerSecond.ToString(CultureInfo.InvariantCulture)}gbit";

            // The bucket must hold at least a timer tick of traffic to reach the rate, and a 64 KB segment.
            var burstBytes = Math.Max(256 * 1024, (long)(gigabitsPerSecond * 1e9 / 8 / 250));
            var shape = $"root tbf rate {rate} burst {burstBytes} latency 50ms";
            for (var i = 0; i < nodes; i++)
            {
                var ns = Namespace(i);
                var host = $"rnnclh{i}";
                var inner = $"rnncln{i}";
                Run("ip", $"netns add {ns}");
                Run("ip", $"link add {host} type veth peer name {inner}");
                Run("ip", $"link set {inner} netns {ns}");
                Run("ip", $"link set {host} master {Bridge}");
                Run("ip", $"link set {host} up");
                Run("tc", $"qdisc add dev {host} {shape}");
                Run("ip", $"netns exec {ns} ip addr add {Address(i)}/24 dev {inner}");
                Run("ip", $"netns exec {ns} ip link set {inner} up");
                Run("ip", $"netns exec {ns} ip link set lo up");
                Run("ip", $"netns exec {ns} tc qdisc add dev {inner} {shape}");
            }

            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Starts <paramref name="arguments"/> of <paramref name="program"/> inside node <paramref name="node"/>'s namespace.</summary>
    public static Process Start(int node, string program, string arguments)
    {
        var start = new ProcessStartInfo("ip", $"netns exec {Namespace(node)} {program} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        return Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program} in {Namespace(node)}");
    }

    public void Dispose()
    {
        for (var i = 0; i < Nodes; i++)
        {
            TryRun("ip", $"netns delete {Namespace(i)}"); // takes the veth pair with it
        }

        TryRun("ip", $"link delete {Bridge}");
    }

    private static void RemoveLeftovers()
    {
        var (_, list) = TryRun("ip", "netns list");
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                TryRun("ip", $"netns delete {name}");
            }
        }

        TryRun("ip", $"link delete {Bridge}");
    }

    private static void Run(string program, string arguments)
    {
        var (code, output) = TryRun(program, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"`{program} {arguments}` failed ({code}): {output.Trim()} (the namespace benchmark needs root and iproute2)");
        }
    }

    private static (int Code, string Output) TryRun(string program, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
