using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace RnnCluster.Cluster.Security;

/// <summary>
/// Tells a client why a node does not answer when the reason is a port where nothing listens, a port
/// where another server (not an RnnCluster node) answers, or TLS: one TLS handshake with the node's
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
    /// starting) from a TLS mismatch or another server on the port, which waiting does not cure.
    /// </summary>
    public sealed record Finding(string Reason, bool NothingListens);

    /// <summary>
    /// One line saying what does not match between the node at <paramref name="host"/>:<paramref name="port"/>
    /// and this client's <paramref name="tls"/> (null: plain TCP), or null when nothing is known to be
    /// wrong (both plain, or both TLS with certificates of one CA, or the port cannot be reached, or it
    /// accepts the connection but answers nothing within 3 s); a port where nothing listens, and one where
    /// a server that is no node answers the handshake with bytes that are not TLS (an HTTP server's error
    /// page), are named as such too.
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
            return new(NothingListensAt(host, port), NothingListens: true);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain)
        {
            // Not yet, perhaps: under docker-compose a container's name resolves once it has started.
            return new(DoesNotResolve(host, e), NothingListens: true);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return null;
        }

        X509Certificate? presented = null;
        string? presentedSubject = null; // read in the callback: the certificate is disposed with a failed handshake
        string? untrusted = null;
        var received = new FirstBytesStream(tcp.GetStream());
        var ssl = new SslStream(received, leaveInnerStreamOpen: false);
        await using (ssl.ConfigureAwait(false))
        {
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ClientCertificates = tls is null ? null : [tls.Certificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate;
                    presentedSubject = certificate?.Subject;
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
                if (received.NotTls is { } answer)
                {
                    return Mismatch(NotANode(host, port, $"it sent {answer}"));
                }

                if (NotANodeCertificate(presentedSubject) is { } subject)
                {
                    return Mismatch(NotANode(host, port, $"it speaks TLS with a certificate for '{subject}'"));
                }

                if (presented is null && e is OperationCanceledException)
                {
                    return null; // no answer at all in time: nothing is known (a node this busy answers later)
                }

                return Mismatch((presented, tls, untrusted) switch
                {
                    (null, null, _) => null,
                    (null, { }, _) => $"{node} speaks plain TCP, not TLS: leave out --tls (and {ClusterTls.EnvironmentVariable}), or start the cluster's nodes with --tls",
                    (_, null, _) => SpeaksTls(node),
                    (_, { }, { } reason) => $"{node} presents a certificate that the CA in {tls!.Flag} {tls.Directory} did not sign ({reason}); give --tls the directory of this cluster's certificates",
                    _ => refusesClient,
                });
            }

            if (NotANodeCertificate(presentedSubject) is { } other)
            {
                return Mismatch(NotANode(host, port, $"it speaks TLS with a certificate for '{other}'"));
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

    private static string NotANode(string host, int port, string evidence)
        => $"the port {host}:{port} answers, but not as an RnnCluster node ({evidence}): give the remoting port of a node, the port in its `node` line";

    /// <summary>The subject of a presented certificate (<paramref name="subject"/>) when it is no RnnCluster node's (<see cref="ClusterCertificates.NodeSubject"/>); null for none or a node's.</summary>
    private static string? NotANodeCertificate(string? subject)
        => subject is not null && subject != ClusterCertificates.NodeSubject ? subject : null;

    /// <summary>The line for a port where nothing listens (the connection was refused).</summary>
    public static string NothingListensAt(string host, int port)
        => $"nothing listens at {host}:{port} (connection refused): is the node running, and is that its --port (the port in its `node` line)?";

    /// <summary>The line for a host name that does not resolve (<paramref name="error"/>: the lookup's).</summary>
    public static string DoesNotResolve(string host, SocketException error)
        => $"the name {host} does not resolve to an address ({error.Message.TrimEnd('.')}): check the name, or give the node's IP address";

    private static Finding? Mismatch(string? reason) => reason is null ? null : new(reason, NothingListens: false);

    private static string SpeaksTls(string node)
        => $"{node} speaks TLS: give --tls DIR (or {ClusterTls.EnvironmentVariable}) with the cluster's certificates (the directory `rnncluster certs --out` wrote)";

    /// <summary>
    /// The connection's stream, keeping the first bytes the other side sent: a remoting node answers a TLS
    /// handshake with a TLS record (or, speaking plain TCP, by closing the connection), any other server
    /// with its own bytes (an HTTP server's "HTTP/1.1 400 Bad Request").
    /// </summary>
    private sealed class FirstBytesStream(Stream inner) : Stream
    {
        private const int Kept = 48;
        private readonly byte[] _first = new byte[Kept];
        private int _count;

        /// <summary>
        /// What the other side sent when it is not a TLS record (its first byte is no TLS content type,
        /// 20–23), quoted with control characters escaped; null when it sent nothing or TLS.
        /// </summary>
        public string? NotTls
        {
            get
            {
                if (_count == 0 || _first[0] is >= 20 and <= 23)
                {
                    return null;
                }

                var text = new System.Text.StringBuilder();
                foreach (var b in _first.AsSpan(0, _count))
                {
                    if (b is (byte)'\r' or (byte)'\n')
                    {
                        break;
                    }

                    text.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
                }

                return $"\"{text}\"";
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Keep(buffer.AsSpan(offset), inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var count = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            return Keep(buffer.Span, count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Keep(Span<byte> read, int count)
        {
            var take = Math.Min(count, Kept - _count);
            if (take > 0)
            {
                read[..take].CopyTo(_first.AsSpan(_count));
                _count += take;
            }

            return count;
        }
    }
}
