using System.Globalization;
using Akka.Actor;

namespace RnnCluster.Cluster.Hosting;

/// <summary>Names and addresses of the cluster: the fixed system name and "host:port" contacts.</summary>
public static class ClusterAddresses
{
    /// <summary>The ActorSystem name of every cluster node (seeds are akka.tcp://rnncluster@host:port).</summary>
    public const string SystemName = "rnncluster";

    public const string Protocol = "akka.tcp";

    /// <summary>The protocol of a node's addresses when remoting speaks TLS (<c>--tls</c>).</summary>
    public const string TlsProtocol = "akka.ssl.tcp";

    private static string ProtocolFor(bool tls) => tls ? TlsProtocol : Protocol;

    /// <summary>The path under which the supervisor (a singleton proxy) is registered with the receptionist.</summary>
    public const string SupervisorService = "/user/supervisor";

    /// <summary>
    /// Parses "host:port", or a node's address as its <c>node</c> line prints it
    /// (<c>akka.tcp://rnncluster@host:port</c>, <c>akka.ssl.tcp://…</c>), to its host and port.
    /// </summary>
    /// <exception cref="ArgumentException">When the text is neither (a URL of another scheme, a host with '/' or '@', no port, a port outside 1–65535).</exception>
    public static (string Host, int Port) ParseContact(string contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var text = contact;
        foreach (var protocol in new[] { Protocol, TlsProtocol })
        {
            var prefix = $"{protocol}://{SystemName}@";
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                text = text[prefix.Length..].TrimEnd('/');
                break;
            }
        }

        var quoted = Core.Text.QuotedText.Quote(contact);
        var form = "(e.g. 127.0.0.1:4053, or a node's address as its `node` line prints it)";
        if (System.Text.RegularExpressions.Regex.Match(text, @"^akka(\.ssl)?\.tcp://([^@/]*)@") is { Success: true } other)
        {
            throw new ArgumentException($"{quoted} is the address of an actor system named {Core.Text.QuotedText.Quote(other.Groups[2].Value)}, not of an RnnCluster node (akka.tcp://{SystemName}@host:port) {form}");
        }

        var colon = text.LastIndexOf(':');
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            colon = close > 1 && close + 1 < text.Length && text[close + 1] == ':' ? close + 1 : -1;
        }
        else if (text.IndexOf(':', StringComparison.Ordinal) != colon && text[..colon].All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'))
        {
            throw new ArgumentException($"{quoted}: an IPv6 address goes in brackets, as [::1]:4053 {form}");
        }

        var host = colon > 0 ? text[..colon] : string.Empty;
        if (colon <= 0 || host.IndexOfAny(['/', '@', ' ', ',']) >= 0)
        {
            throw new ArgumentException($"{quoted} is not host:port {form}");
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"{quoted}: the port {Core.Text.QuotedText.Quote(text[(colon + 1)..])} is not a number from 1 to 65535 {form}");
        }

        return (host, port);
    }

    /// <summary>"host:port" of <paramref name="contact"/> (see <see cref="ParseContact"/>).</summary>
    public static string HostPort(string contact)
    {
        var (host, port) = ParseContact(contact);
        return string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
    }

    /// <param name="tls">True when the cluster speaks TLS (its addresses are akka.ssl.tcp://…).</param>
    public static Address NodeAddress(string contact, bool tls = false)
    {
        var (host, port) = ParseContact(contact);
        return new Address(ProtocolFor(tls), SystemName, host, port);
    }

    /// <summary>
    /// The addresses a node given as <paramref name="contact"/> may answer as: a node drops messages for any
    /// address but the one it advertises, so a name (<c>localhost</c>, a host name) is tried as each IPv4
    /// address it resolves to, then as written. An IP address, or a name that does not resolve, is
    /// itself alone.
    /// </summary>
    /// <exception cref="ArgumentException">When the text is not host:port.</exception>
    public static IReadOnlyList<Address> CandidateAddresses(string contact, bool tls = false)
    {
        var (host, port) = ParseContact(contact);
        var given = new Address(ProtocolFor(tls), SystemName, host, port);
        if (System.Net.IPAddress.TryParse(host, out _))
        {
            return [given];
        }

        System.Net.IPAddress[] resolved;
        try
        {
            resolved = System.Net.Dns.GetHostAddresses(host);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return [given];
        }

        return [.. resolved.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            .Select(a => new Address(ProtocolFor(tls), SystemName, a.ToString(), port)).Append(given).Distinct()];
    }

    /// <summary>
    /// True when a failure to listen is the bind host's fault rather than the port's: the name does not
    /// resolve, or the address is not this machine's (the socket error anywhere in the exception chain).
    /// </summary>
    public static bool IsHostFault(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is System.Net.Sockets.SocketException
                {
                    SocketErrorCode: System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.TryAgain
                        or System.Net.Sockets.SocketError.NoData or System.Net.Sockets.SocketError.AddressNotAvailable,
                })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The one-line reason for a bind host that cannot be listened on (see <see cref="IsHostFault"/>).</summary>
    public static string HostFaultReason(string host, string error) =>
        $"--host {host}: cannot listen there: {error} (give an address of this machine, e.g. 127.0.0.1 or 0.0.0.0)";
}
