using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RnnCluster.Benchmarks;

/// <summary>Cluster nodes as processes of the built CLI, for the benchmarks that start their own cluster.</summary>
internal static class NodeProcesses
{
    /// <summary>Starts <c>rnncluster node --json --host 127.0.0.1 --exit-on-stdin-close ARGUMENTS</c>; its first stdout line is its "node" event.</summary>
    public static Process Start(string repoRoot, string arguments)
    {
        var start = new ProcessStartInfo("dotnet", $"{SpeedComparison.CliPath(repoRoot)} node --json --host 127.0.0.1 --exit-on-stdin-close {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Resident memory of process <paramref name="pid"/> in MB (2²⁰ bytes), NaN when it is gone.</summary>
    public static double ResidentMb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return double.NaN;
    }

    /// <summary>A TCP port free on the loopback interface now.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
