using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace RnnCluster.Cluster.Security;

/// <summary>
/// TLS with mutual authentication for a node or client (<c>--tls DIR</c>, <c>RNNCLUSTER_TLS_DIR</c>): its
/// own certificate and the cluster's CA (see <see cref="ClusterCertificates"/>). Remoting and the data
/// plane both require the peer's certificate and accept it only when it chains to that CA (host names
/// are not checked: a member is who holds a certificate the cluster's CA signed); a refused peer is
/// logged in one line on the refusing side.
/// </summary>
public sealed class ClusterTls
{
    /// <summary>The environment variable that gives the directory when no <c>--tls</c> is given.</summary>
    public const string EnvironmentVariable = "RNNCLUSTER_TLS_DIR";

    private ClusterTls(string flag, string directory, string certificateFile, X509Certificate2 certificate, X509Certificate2 authority)
    {
        Flag = flag;
        Directory = directory;
        CertificateFile = certificateFile;
        Certificate = certificate;
        Authority = authority;
    }

    /// <summary>Where <see cref="Directory"/> was given, for messages: "--tls", or <see cref="EnvironmentVariable"/> when no flag was.</summary>
    public string Flag { get; }

    /// <summary>The directory the certificates came from.</summary>
    public string Directory { get; }

    /// <summary>The file in <see cref="Directory"/> that holds this member's certificate: node.pfx for a node, client.pfx for a client.</summary>
    public string CertificateFile { get; }

    /// <summary>This member's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The cluster's CA.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>
    /// The TLS settings of <paramref name="directory"/> (else of <see cref="EnvironmentVariable"/>; null
    /// when neither is given: plain TCP) for a node (<paramref name="client"/> false: node.pfx) or a
    /// client (client.pfx).
    /// </summary>
    /// <exception cref="ArgumentException">When a file is missing or unreadable (the message names --tls and the file).</exception>
    public static ClusterTls? Load(string? directory, bool client)
    {
        var flag = "--tls";
        if (directory is not null && string.IsNullOrWhiteSpace(directory))
        {
            throw new ArgumentException("--tls: the directory is empty (an unset variable?); give the directory `rnncluster certs --out` wrote, or leave --tls out for plain TCP");
        }

        if (string.IsNullOrEmpty(directory))
        {
            directory = Environment.GetEnvironmentVariable(EnvironmentVariable);
            flag = EnvironmentVariable;
            if (string.IsNullOrEmpty(directory))
            {
                return null;
            }
        }

        if (!System.IO.Directory.Exists(directory))
        {
            throw new ArgumentException(File.Exists(directory)
                ? $"{flag} {directory}: a file, not a directory: give the directory that holds the cluster's ca.crt, node.pfx and client.pfx ({Path.GetDirectoryName(Path.GetFullPath(directory))}?)"
                : $"{flag} {directory}: not a directory: give the directory `rnncluster certs --out` wrote for this cluster (a new set made with certs --out {directory} would be another CA, which the cluster refuses)");
        }

        var authorityPath = Path.Combine(directory, ClusterCertificates.AuthorityFile);
        var ownPath = Path.Combine(directory, client ? ClusterCertificates.ClientFile : ClusterCertificates.NodeFile);
        foreach (var path in new[] { authorityPath, ownPath })
        {
            if (!File.Exists(path))
            {
                throw new ArgumentException($"{flag} {directory}: {Path.GetFileName(path)} is missing; rnncluster certs --out DIR writes {ClusterCertificates.AuthorityFile}, {ClusterCertificates.NodeFile} and {ClusterCertificates.ClientFile}");
            }
        }

        var authority = Read(flag, directory, authorityPath, "a PEM certificate", X509CertificateLoader.LoadCertificateFromFile);
        var own = Read(flag, directory, ownPath, "a PKCS#12 file without password", p => X509CertificateLoader.LoadPkcs12FromFile(p, null));
        if (!own.HasPrivateKey)
        {
            throw new ArgumentException($"{flag} {directory}: {Path.GetFileName(ownPath)} holds no private key");
        }

        var tls = new ClusterTls(flag, Path.GetFullPath(directory), Path.GetFileName(ownPath), own, authority);
        if (!tls.Accepts(own, out _))
        {
            throw new ArgumentException($"{flag} {directory}: {Path.GetFileName(ownPath)} is not signed by its {ClusterCertificates.AuthorityFile} (the files come from different `rnncluster certs` runs); copy one run's directory whole");
        }

        return tls;
    }

    private static X509Certificate2 Read(string flag, string directory, string path, string what, Func<string, X509Certificate2> load)
    {
        try
        {
            return load(path);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"{flag} {directory}: {Path.GetFileName(path)} cannot be read as {what} ({e.Message.TrimEnd('.')}); write a new set with rnncluster certs", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{flag} {directory}: {Path.GetFileName(path)} cannot be read: {Core.Checkpoints.FileSystemError.Describe(e, writing: false)}", e);
        }
    }

    /// <summary>
    /// True when <paramref name="peer"/> chains to the cluster's CA; else false with the reason (no
    /// certificate, another CA, expired …).
    /// </summary>
    public bool Accepts(X509Certificate? peer, out string reason)
    {
        if (peer is null)
        {
            reason = "it presented no certificate";
            return false;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(peer.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate) && chain.ChainElements[^1].Certificate.Thumbprint == Authority.Thumbprint)
        {
            reason = string.Empty;
            return true;
        }

        var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        reason = $"its certificate '{certificate.Subject}' is not signed by this cluster's CA ({(status.Length > 0 ? status : "another root")})";
        return false;
    }

    /// <summary>Remoting's TLS: this member's certificate, the peer's required and checked by <see cref="Accepts"/>, refusals logged in one line.</summary>
    public DotNettySslSetup RemotingSetup() => new(Certificate, false, true, false, (certificate, _, remotePeer, _, log) =>
    {
        if (Accepts(certificate, out var reason))
        {
            return true;
        }

        log.Warning("TLS: refused the remoting connection of {0}: {1}", remotePeer, reason);
        return false;
    });

    /// <summary>The data plane's server side: the client's certificate required and checked.</summary>
    public SslServerAuthenticationOptions ServerOptions(ILoggingAdapter log, string remote) => new()
    {
        ServerCertificate = Certificate,
        ClientCertificateRequired = true,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Check(certificate, log, remote),
    };

    /// <summary>The data plane's client side: this member's certificate presented, the server's checked.</summary>
    public SslClientAuthenticationOptions ClientOptions(ILoggingAdapter log, string remote) => new()
    {
        TargetHost = "rnncluster",
        ClientCertificates = [Certificate],
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Check(certificate, log, remote),
    };

    private bool Check(X509Certificate? certificate, ILoggingAdapter log, string remote)
    {
        if (Accepts(certificate, out var reason))
        {
            return true;
        }

        log.Warning("TLS: refused the data-plane connection of {0}: {1}", remote, reason);
        return false;
    }
}
