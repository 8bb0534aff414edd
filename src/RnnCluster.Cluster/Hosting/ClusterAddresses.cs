using System.Globalization;
using Akka.Actor;

namespace RnnCluster.Cluster.Hosting;

/// <summary>Names and addresses of the cluster: the fixed system name and "host:port" contacts.</summary>
public static class ClusterAddresses
{
    /// <summary>The ActorSystem name of every cluster node (seeds are akka.tcp://rnncluster@host:port).</summary>
    public const string SystemName = "rnncluster";

    public const string Protocol = "akka.tcp";

    /// <summary>The path under which the supervisor (a singleton proxy) is registered with the receptionist.</summary>
    public const string SupervisorService = "/user/supervisor";

    /// <summary>Parses "host:port" (throws <see cref="ArgumentException"/> otherwise).</summary>
    public static (string Host, int Port) ParseContact(string contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var colon = contact.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(contact.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new ArgumentException($"{Core.Text.QuotedText.Quote(contact)} is not host:port");
        }

        return (contact[..colon], port);
    }

    public static Address NodeAddress(string contact)
    {
        var (host, port) = ParseContact(contact);
        return new Address(Protocol, SystemName, host, port);
    }
}
