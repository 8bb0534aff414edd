using System.Diagnostics;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// A private network of Linux network namespaces for partition tests: node i lives in namespace
/// <c>rnncp-i</c> with address 10.78.0.(i+1)/24 on a veth pair whose host end is on bridge
/// <c>rnncpbr</c>. <see cref="Cut"/> drops every packet in and out of a node's namespace
/// (<c>iptables … -j DROP</c>, loopback spared), <see cref="Heal"/> lets them through again. Created
/// by <see cref="Create"/> (leftovers of an earlier run removed first) and removed by
/// <see cref="Dispose"/>; uses only addresses inside its namespaces. Needs root, iproute2 and iptables.
/// </summary>
internal sealed class PartitionNetwork : IDisposable
{
    private const string Bridge = "rnncpbr";
    private const string Prefix = "rnncp-";

    private PartitionNetwork(int nodes) => Nodes = nodes;

    public int Nodes { get; }

    public static string Address(int i) => $"10.78.0.{i + 1}";

    public static string Namespace(int i) => $"{Prefix}{i}";

    /// <exception cref="InvalidOperationException">When a command fails (not root, no iproute2 or iptables).</exception>
    public static PartitionNetwork Create(int nodes)
    {
        RemoveLeftovers();
        var network = new PartitionNetwork(nodes);
        try
        {
            Run("ip", $"link add {Bridge} type bridge");
            Run("ip", $"link set {Bridge} up");
            for (var i = 0; i < nodes; i++)
            {
                var ns = Namespace(i);
                var (host, inner) = ($"rnncph{i}", $"rnncpn{i}");
                Run("ip", $"netns add {ns}");
                TryRun("ip", $"link delete {host}"); // a namespace deleted just before frees its veth pair asynchronously
                Run("ip", $"link add {host} type veth peer name {inner}");
                Run("ip", $"link set {inner} netns {ns}");
                Run("ip", $"link set {host} master {Bridge}");
                Run("ip", $"link set {host} up");
                Run("ip", $"netns exec {ns} ip addr add {Address(i)}/24 dev {inner}");
                Run("ip", $"netns exec {ns} ip link set {inner} up");
                Run("ip", $"netns exec {ns} ip link set lo up");
            }

            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Cuts node <paramref name="i"/> off: every packet into or out of its namespace but loopback's is dropped.</summary>
    public void Cut(int i)
    {
        Run("ip", $"netns exec {Namespace(i)} iptables -A INPUT ! -i lo -j DROP");
        Run("ip", $"netns exec {Namespace(i)} iptables -A OUTPUT ! -o lo -j DROP");
    }

    /// <summary>Heals node <paramref name="i"/>'s link: its drop rules are removed.</summary>
    public void Heal(int i) => Run("ip", $"netns exec {Namespace(i)} iptables -F");

    public void Dispose()
    {
        for (var i = 0; i < Nodes; i++)
        {
            TryRun("ip", $"link delete rnncph{i}"); // the pair at once (a deleted namespace frees it asynchronously)
            TryRun("ip", $"netns delete {Namespace(i)}"); // and its rules
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
                TryRun("ip", $"link delete rnncph{name[Prefix.Length..]}");
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
            throw new InvalidOperationException($"`{program} {arguments}` failed ({code}): {output.Trim()} (partition tests need root, iproute2 and iptables)");
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
