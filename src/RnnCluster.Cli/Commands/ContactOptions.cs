using System.CommandLine;
using RnnCluster.Cluster.Hosting;

namespace RnnCluster.Cli.Commands;

/// <summary><c>--contact host:port</c> and <c>--timeout</c>: how <c>submit</c>, <c>status</c>, <c>watch</c> and <c>cancel</c> reach a cluster.</summary>
public sealed class ContactOptions
{
    public const string DefaultContact = "127.0.0.1:4053";

    public Option<string> Contact { get; } = new("--contact")
    {
        Description = $"host:port of a coordinator node (from $RNNCLUSTER_CONTACT when set)",
        DefaultValueFactory = _ => NodeEnvironment.Get("CONTACT") ?? DefaultContact,
    };

    public Option<double> TimeoutSeconds { get; } = new("--timeout")
    {
        Description = "seconds to wait for the cluster to answer",
        DefaultValueFactory = _ => 30,
    };

    public Option<string?> Tls { get; } = new("--tls")
    {
        Description = $"directory of the cluster's certificates (rnncluster certs): connect over TLS with its client.pfx, trusting its ca.crt (from ${Cluster.Security.ClusterTls.EnvironmentVariable} when set)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Contact);
        command.Options.Add(TimeoutSeconds);
        command.Options.Add(Tls);
    }

    /// <exception cref="ArgumentException">When --timeout is not between 1 and 86400 seconds.</exception>
    public TimeSpan Timeout(ParseResult result)
    {
        var seconds = result.GetValue(TimeoutSeconds);
        return seconds is >= 1 and <= 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"--timeout {seconds} must be between 1 and 86400 seconds");
    }

    /// <summary>Connects to the cluster; a node that does not answer becomes a one-line error.</summary>
    public async Task<ClusterClientConnection> ConnectAsync(ParseResult result, CancellationToken cancel)
    {
        string contact;
        try
        {
            contact = ClusterAddresses.HostPort(result.GetValue(Contact)!);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--contact {e.Message}", e);
        }

        var tls = Cluster.Security.ClusterTls.Load(result.GetValue(Tls), client: true);
        try
        {
            return await ClusterClientConnection.ConnectAsync(contact, Timeout(result), cancel, tls);
        }
        catch (Exception e) when (e is TimeoutException or ClusterRefusedException)
        {
            throw new Output.CliError(e.Message);
        }
    }
}
