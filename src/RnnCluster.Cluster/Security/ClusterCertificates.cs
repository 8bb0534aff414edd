using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RnnCluster.Cluster.Security;

/// <summary>
/// Creates a cluster's certificates with .NET's own cryptography (no openssl): a certificate authority
/// (ECDSA P-256, self-signed) and two certificates it signs, one for the nodes and one for the CLI's
/// clients, each usable as TLS server and client (remoting connects both ways). Files in the directory:
/// <list type="bullet">
/// <item><see cref="AuthorityFile"/>: the CA's certificate (PEM): what every member trusts;</item>
/// <item><see cref="NodeFile"/>, <see cref="ClientFile"/>: PKCS#12 with the private key, no password,
/// mode 0600: copy the directory to every machine of the cluster (clients need only the CA and theirs).</item>
/// </list>
/// The CA's private key is not kept: to add or replace a certificate, create a new set and give it to every member.
/// </summary>
public static class ClusterCertificates
{
    public const string AuthorityFile = "ca.crt";
    public const string NodeFile = "node.pfx";
    public const string ClientFile = "client.pfx";

    /// <summary>The subject of every node's certificate (<see cref="NodeFile"/>): a TLS server presenting another is no RnnCluster node.</summary>
    public const string NodeSubject = "CN=RnnCluster node";

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// Writes a new CA, node and client certificate into <paramref name="directory"/> (created when
    /// missing), valid for <paramref name="days"/> days from now; the node certificate names
    /// <paramref name="hosts"/> (and localhost, 127.0.0.1) as subject alternative names. Returns the files written.
    /// </summary>
    /// <exception cref="ArgumentException">When days is out of range or a host is empty (the message names the flag).</exception>
    /// <exception cref="IOException">When the directory cannot be written.</exception>
    public static IReadOnlyList<string> Create(string directory, IReadOnlyList<string> hosts, int days)
    {
        if (days is < 1 or > 36_500)
        {
            throw new ArgumentException($"--days {days} must be between 1 and 36500");
        }

        if (hosts.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
        {
            throw new ArgumentException("--hosts: a host name is empty (give names or addresses separated by commas)");
        }

        Directory.CreateDirectory(directory);
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = notBefore.AddDays(days);
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=RnnCluster cluster CA", authorityKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var authority = request.CreateSelfSigned(notBefore, notAfter);

        var written = new List<string>();
        var authorityPath = Path.Combine(directory, AuthorityFile);
        File.WriteAllText(authorityPath, authority.ExportCertificatePem() + "\n");
        written.Add(authorityPath);
        written.Add(WriteLeaf(directory, NodeFile, NodeSubject, [.. hosts, "localhost", "127.0.0.1"], authority, notBefore, notAfter, 1));
        written.Add(WriteLeaf(directory, ClientFile, "CN=RnnCluster client", ["localhost", "127.0.0.1"], authority, notBefore, notAfter, 2));
        return written;
    }

    private static string WriteLeaf(string directory, string file, string subject, IEnumerable<string> names, X509Certificate2 authority,
        DateTimeOffset notBefore, DateTimeOffset notAfter, byte serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuth), new Oid(ClientAuth)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var alternative = new SubjectAlternativeNameBuilder();
        foreach (var name in names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(name, out var address))
            {
                alternative.AddIpAddress(address);
            }
            else
            {
                alternative.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(alternative.Build());
        var serialNumber = new byte[16];
        RandomNumberGenerator.Fill(serialNumber);
        serialNumber[0] = (byte)((serialNumber[0] & 0x7F) | 0x01);
        serialNumber[^1] = serial;
        using var signed = request.Create(authority, notBefore, notAfter, serialNumber);
        using var withKey = signed.CopyWithPrivateKey(key);
        var path = Path.Combine(directory, file);
        File.WriteAllBytes(path, withKey.Export(X509ContentType.Pkcs12));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }
}
