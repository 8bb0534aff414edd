using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace RnnCluster.Cluster.Security;

/// <summary>
/// Tells a client why a node does not answer when the reason is a port where nothing listens or TLS: one TLS handshake with the node's
/// remoting port, as the client would make it (with <c>--tls</c>: its client certificate, the cluster's
/// CA) or not. Used only once a connection has been slow to answer, since a handshake against a
/// plain-TCP node makes that node log a broken connection.
/// </summary>
public static class ContactProbe
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    /// <summary>
    /// One finding of <see cref="DiagnoseAsync"/>: <paramref name="Reason"/> is one line for the user;
    /// <paramref name="NothingListens"/> tells a port where nothing listens (yet: a node may still be
    /// starting) from a TLS mismatch, which waiting does not cure.
    /// </summary>
    public sealed record Finding(string Reason, bool NothingListens);

    /// <summary>
    /// One line saying what does not match between the node at <paramref name="host"/>:<paramref name="port"/>
    /// and this client's <paramref name="tls"/> (null: plain TCP), or null when nothing is known to be
    /// wrong (both plain, or both TLS with certificates of one CA, or the port cannot be reached); a port
    /// where nothing listens is named as such too.
    /// Waits at most 3 s for the handshake plus 1 s for a refusal after it; never throws for network errors.
    /// </summary>
    public static async Task<Finding?> DiagnoseAsync(string host, int port, ClusterTls? tls, CancellationToken cancel)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        patience.CancelAfter(Patience);
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(host, port, patience.Token).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return new($"nothing listens at {host}:{port} (connection refused): is the node running, and is that its --port (the port in its `node` line)?", NothingListens: true);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return null;
        }

        X509Certificate? presented = null;
        string? untrusted = null;
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await using (ssl.ConfigureAwait(false))
        {
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ClientCertificates = tls is null ? null : [tls.Certificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate;
                    if (tls is not null && !tls.Accepts(certificate, out var reason))
                    {
                        untrusted = reason;
                        return false;
                    }

                    return true;
                },
            };
            var node = $"the node at {host}:{port}";
            var refusesClient = tls is null ? string.Empty : $"{node} refuses this {(tls.CertificateFile == ClusterCertificates.NodeFile ? "node" : "client")}'s certificate: {tls.CertificateFile} in {tls.Directory} is not signed by the cluster's CA; give --tls the directory of this cluster's certificates";
            try
            {
                await ssl.AuthenticateAsClientAsync(options, patience.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
            {
                return Mismatch((presented, tls, untrusted) switch
                {
                    (null, null, _) => null,
                    (null, { }, _) => $"{node} speaks plain TCP, not TLS: leave out --tls (and {ClusterTls.EnvironmentVariable}), or start the cluster's nodes with --tls",
                    (_, null, _) => SpeaksTls(node),
                    (_, { }, { } reason) => $"{node} presents a certificate that the CA in --tls {tls!.Directory} did not sign ({reason}); give --tls the directory of this cluster's certificates",
                    _ => refusesClient,
                });
            }

            if (tls is null)
            {
                return Mismatch(SpeaksTls(node));
            }

            // With TLS 1.3 the node checks the client's certificate after the client's side of the handshake
            // is done: a refusal shows as the connection closing at once.
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                wait.CancelAfter(TimeSpan.FromSeconds(1));
                return await ssl.ReadAsync(new byte[1], wait.Token).ConfigureAwait(false) == 0 ? Mismatch(refusesClient) : null;
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                return Mismatch(refusesClient);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    private static Finding? Mismatch(string? reason) => reason is null ? null : new(reason, NothingListens: false);

    private static string SpeaksTls(string node)
        => $"{node} speaks TLS: give --tls DIR (or {ClusterTls.EnvironmentVariable}) with the cluster's certificates (the directory `rnncluster certs --out` wrote)";
}
