using System.CommandLine;
using RnnCluster.Cli.Output;
using RnnCluster.Cluster.Security;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster certs --out DIR</c>: a cluster CA and the node and client certificates it signs, for <c>--tls DIR</c>.</summary>
public static class CertsCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "directory to write ca.crt, node.pfx and client.pfx into (created when missing)", Required = true };
        var hosts = new Option<string?>("--hosts") { Description = "comma-separated names and addresses the nodes are reached by, put in the node certificate (localhost and 127.0.0.1 always are; peers do not check names, only the CA)" };
        var days = new Option<int>("--days") { Description = "days the certificates are valid", DefaultValueFactory = _ => 825 };
        var force = new Option<bool>("--force") { Description = "replace certificates already in the directory" };
        var ifMissing = new Option<bool>("--if-missing") { Description = "do nothing (exit 0) when the directory already holds all three files (a container's first start creates them, later starts keep them)" };
        var command = new Command("certs", "Create a cluster's certificate authority and the node and client certificates it signs (ECDSA P-256, .NET's own cryptography). Give the directory to every node and client with --tls DIR (or RNNCLUSTER_TLS_DIR); nodes and clients with certificates of another CA, or none, are refused.")
        {
            output, hosts, days, force, ifMissing,
        };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            var directory = result.GetValue(output)!;
            if (result.GetValue(force) && result.GetValue(ifMissing))
            {
                throw new ArgumentException("--force replaces a set and --if-missing keeps one: give one of them");
            }

            if (File.Exists(directory))
            {
                throw new ArgumentException($"--out {directory}: is a file; give a directory");
            }

            var existing = new[] { ClusterCertificates.AuthorityFile, ClusterCertificates.NodeFile, ClusterCertificates.ClientFile }
                .Select(f => Path.Combine(directory, f)).Where(File.Exists).ToArray();
            if (existing.Length == 3 && result.GetValue(ifMissing))
            {
                Console.WriteLine($"{directory} already holds ca.crt, node.pfx and client.pfx; kept");
                return Task.FromResult(0);
            }

            if (existing.Length > 0 && !result.GetValue(force))
            {
                throw new ArgumentException($"--out {directory}: already holds {string.Join(", ", existing.Select(Path.GetFileName))}; nodes using them would refuse new ones (give --force to replace them, then give the new set to every node)");
            }

            var names = (result.GetValue(hosts) ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (names.FirstOrDefault(n => Uri.CheckHostName(n) == UriHostNameType.Unknown) is { } bad)
            {
                throw new ArgumentException($"--hosts: {Core.Text.QuotedText.Quote(bad)} is not a host name or an IP address");
            }

            IReadOnlyList<string> written;
            try
            {
                written = ClusterCertificates.Create(directory, names, result.GetValue(days));
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                throw new ArgumentException($"--out {directory}: cannot write there: {Core.Checkpoints.FileSystemError.Describe(e, writing: true)}", e);
            }

            foreach (var path in written)
            {
                Console.WriteLine(Path.GetFullPath(path));
            }

            Console.WriteLine($"give --tls {directory} (or RNNCLUSTER_TLS_DIR={directory}) to every node and client; keep node.pfx and client.pfx private");
            return Task.FromResult(0);
        }));
        return command;
    }
}
