namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// <c>certs</c> and <c>--tls</c>: a cluster whose remoting and data plane speak TLS with mutual
/// authentication trains as a plain one does, and refuses nodes and clients whose certificates another
/// CA signed (or that have none), each refusal one log line on the refusing side.
/// </summary>
public sealed class TlsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static async Task<string> CertificatesAsync(TempDirectory directory, string name)
    {
        var path = directory.File(name);
        using var certs = await CliProcess.RunAsync(Timeout, "certs", "--out", path);
        Assert.True(certs.ExitCode == 0, certs.Describe());
        return path;
    }

    [Fact]
    public async Task Should_train_over_tls_with_the_weights_of_a_plain_cluster()
    {
        using var directory = new TempDirectory();
        var tls = await CertificatesAsync(directory, "certs");
        Assert.True(File.Exists(Path.Combine(tls, "ca.crt")) && File.Exists(Path.Combine(tls, "node.pfx")) && File.Exists(Path.Combine(tls, "client.pfx")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(tls, "node.pfx")));
        }

        using var again = await CliProcess.RunAsync(Timeout, "certs", "--out", tls);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already holds ca.crt, node.pfx, client.pfx", again.Errors, StringComparison.Ordinal);
        var before = await File.ReadAllBytesAsync(Path.Combine(tls, "node.pfx"));
        using var kept = await CliProcess.RunAsync(Timeout, "certs", "--out", tls, "--if-missing");
        Assert.True(kept.ExitCode == 0, kept.Describe());
        Assert.Equal(before, await File.ReadAllBytesAsync(Path.Combine(tls, "node.pfx")));

        string[] job = ["local", "--workers", "2", "--max-steps", "12", "--builtin-train-tokens", "20000", "--json", "--http-port", "-1"];
        using var secure = await CliProcess.RunAsync(Timeout, [.. job, "--tls", tls]);
        Assert.True(secure.ExitCode == 0, secure.Describe());
        using var plain = await CliProcess.RunAsync(Timeout, job);
        Assert.True(plain.ExitCode == 0, plain.Describe());
        var digest = Assert.Single(secure.EventsNamed("summary")).GetProperty("weights_sha256").GetString();
        Assert.Equal(Assert.Single(plain.EventsNamed("summary")).GetProperty("weights_sha256").GetString(), digest);
    }

    [Fact]
    public async Task Should_refuse_nodes_and_clients_without_the_clusters_certificates_in_one_line()
    {
        using var directory = new TempDirectory();
        var ours = await CertificatesAsync(directory, "ours");
        var theirs = await CertificatesAsync(directory, "theirs");
        var dataPort = FreePort();
        using var coordinator = CliProcess.Start(["node", "--json", "--roles", "coordinator", "--host", "127.0.0.1", "--port", "0", "--http-port", "-1", "--exit-on-stdin-close",
            "--data-port", dataPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tls", ours]);
        var port = (await coordinator.WaitForEventAsync("node", _ => true, Timeout)).GetProperty("port").GetInt32();
        var contact = $"127.0.0.1:{port}";

        // A worker with another CA's certificates: each side refuses the other's certificate and the worker
        // stops, saying why in one line; one without certificates stops as soon as a probe finds the seed speaks TLS.
        using var intruder = await CliProcess.RunAsync(Timeout, "node", "--roles", "worker", "--host", "127.0.0.1", "--port", "0", "--seeds", contact,
            "--join-timeout", "30", "--tls", theirs);
        Assert.Equal(1, intruder.ExitCode);
        Assert.StartsWith($"rnncluster: --seeds {contact}: the node at {contact} presents a certificate that the CA in --tls {theirs} did not sign",
            Assert.Single(intruder.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        var joinClock = System.Diagnostics.Stopwatch.StartNew();
        using var plainWorker = await CliProcess.RunAsync(Timeout, "node", "--roles", "worker", "--host", "127.0.0.1", "--port", "0", "--seeds", contact);
        Assert.Equal(1, plainWorker.ExitCode);
        Assert.StartsWith($"rnncluster: --seeds {contact}: the node at {contact} speaks TLS: give --tls DIR",
            Assert.Single(plainWorker.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.True(joinClock.Elapsed < TimeSpan.FromSeconds(30), $"the worker without --tls stopped after {joinClock.Elapsed.TotalSeconds:F1} s (--join-timeout is 60 s)");

        // Clients: another CA's certificate, and none, are refused, each with its reason in a few seconds
        // (not after the default 30 s --timeout); the cluster's own is served.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var stranger = await CliProcess.RunAsync(Timeout, "status", "--contact", contact, "--tls", theirs);
        Assert.Equal(1, stranger.ExitCode);
        Assert.Equal($"rnncluster: the node at 127.0.0.1:{port} presents a certificate that the CA in --tls {theirs} did not sign", stranger.Errors.Trim().Split(" (")[0]);
        using var plain = await CliProcess.RunAsync(Timeout, "status", "--contact", contact);
        Assert.Equal(1, plain.ExitCode);
        Assert.StartsWith($"rnncluster: the node at 127.0.0.1:{port} speaks TLS: give --tls DIR", plain.Errors.Trim(), StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"two refusals took {clock.Elapsed.TotalSeconds:F1} s");
        using var member = await CliProcess.RunAsync(Timeout, "status", "--contact", contact, "--tls", ours, "--json");
        Assert.True(member.ExitCode == 0, member.Describe());

        // The refused workers printed no `node up` line: they never joined.
        Assert.Equal(string.Empty, intruder.Output.Trim());
        Assert.Equal(string.Empty, plainWorker.Output.Trim());

        // A client with certificates against a cluster without TLS.
        using (var plainNode = CliProcess.Start(["node", "--json", "--roles", "coordinator", "--host", "127.0.0.1", "--port", "0", "--http-port", "-1", "--exit-on-stdin-close"]))
        {
            var plainPort = (await plainNode.WaitForEventAsync("node", _ => true, Timeout)).GetProperty("port").GetInt32();
            using var secure = await CliProcess.RunAsync(Timeout, "status", "--contact", $"127.0.0.1:{plainPort}", "--tls", ours);
            Assert.Equal(1, secure.ExitCode);
            Assert.StartsWith($"rnncluster: the node at 127.0.0.1:{plainPort} speaks plain TCP, not TLS: leave out --tls", secure.Errors.Trim(), StringComparison.Ordinal);
            using var secureWorker = await CliProcess.RunAsync(Timeout, "node", "--roles", "worker", "--host", "127.0.0.1", "--port", "0", "--seeds", $"127.0.0.1:{plainPort}", "--tls", ours);
            Assert.Equal(1, secureWorker.ExitCode);
            Assert.StartsWith($"rnncluster: --seeds 127.0.0.1:{plainPort}: the node at 127.0.0.1:{plainPort} speaks plain TCP, not TLS",
                Assert.Single(secureWorker.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
            plainNode.CloseInput();
            await plainNode.WaitForExitAsync(Timeout);
            Assert.Contains("it sent a TLS handshake or other bytes that are not remoting frames", plainNode.Errors, StringComparison.Ordinal);
            Assert.DoesNotContain("TooLongFrameException", plainNode.Errors, StringComparison.Ordinal);
        }

        // The data plane: a connection with the cluster's client certificate gets past TLS (and is closed for its bad frame), one with another CA's is refused.
        await DataPlaneConnectionAsync(dataPort, ours);
        await DataPlaneConnectionAsync(dataPort, theirs);

        coordinator.CloseInput();
        await coordinator.WaitForExitAsync(Timeout);
        Assert.Single(coordinator.Errors.Split('\n'), l => l.Contains("TLS: refused the data-plane connection of", StringComparison.Ordinal) && l.Contains("'CN=RnnCluster client'", StringComparison.Ordinal));
        Assert.Single(coordinator.Errors.Split('\n'), l => l.Contains("a connection sent a frame without the magic number", StringComparison.Ordinal));
        var refusals = coordinator.Errors.Split('\n').Where(l => l.Contains("TLS: refused the remoting connection", StringComparison.Ordinal)).ToArray();
        // The two workers' and the two clients'; a peer without TLS is refused for its connection and for its
        // probe a few seconds later, and the two are one line (the same host and reason within 10 s).
        Assert.True(refusals.Length >= 3, coordinator.Errors);
        Assert.Contains(refusals, l => l.Contains("'CN=RnnCluster node' is not signed by this cluster's CA", StringComparison.Ordinal));
        Assert.Contains(refusals, l => l.Contains("'CN=RnnCluster client' is not signed by this cluster's CA", StringComparison.Ordinal));
        Assert.Contains(refusals, l => l.Contains("TLS: refused the remoting connection of 127.0.0.1:", StringComparison.Ordinal)
            && l.Contains(": it does not speak TLS (a node or client started without --tls)", StringComparison.Ordinal));
        Assert.DoesNotContain("::ffff:", coordinator.Errors, StringComparison.Ordinal);
        // One line per refused connection: the transport's own events about it are not printed.
        Assert.DoesNotContain("Rejected incoming connection", coordinator.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("NotSslRecordException", coordinator.Errors, StringComparison.Ordinal);
        // No stack traces: each failed handshake, and each association it ends, is one line (on failure
        // the whole log is shown, to tell which event carried frames).
        Assert.False(coordinator.Errors.Contains("   at ", StringComparison.Ordinal), "stack frames in the coordinator's log:\n" + coordinator.Errors);
        // A client that got its answer and left is no news: no "Disassociated" for it.
        Assert.DoesNotContain(coordinator.Errors.Split('\n'), l => l.Contains("rnncluster-client", StringComparison.Ordinal) && l.Contains("Disassociated", StringComparison.Ordinal));
        // Standard output holds the node's JSON line alone, whatever was logged.
        Assert.All(coordinator.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.StartsWith("{\"event\":\"node\"", l, StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Connects to the data plane at <paramref name="port"/> over TLS presenting <paramref name="certificates"/>' client certificate, sends 4 bytes that are no frame and waits for the server to close.</summary>
    private static async Task DataPlaneConnectionAsync(int port, string certificates)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
        using var tls = new System.Net.Security.SslStream(client.GetStream());
        var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(certificates, "client.pfx"), null);
        try
        {
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "rnncluster",
                ClientCertificates = [certificate],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            await tls.WriteAsync(new byte[] { 0, 0, 0, 0 }); // not a frame: the server closes the connection
            await tls.FlushAsync();
            var buffer = new byte[1];
            await tls.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            // refused during or after the handshake (TLS 1.3 checks the client's certificate after the client is done)
        }
    }

    [Fact]
    public async Task Should_refuse_a_directory_whose_files_come_from_two_sets()
    {
        using var directory = new TempDirectory();
        var ours = await CertificatesAsync(directory, "ours");
        var theirs = await CertificatesAsync(directory, "theirs");
        File.Copy(Path.Combine(theirs, "ca.crt"), Path.Combine(ours, "ca.crt"), overwrite: true);
        using var cli = await CliProcess.RunAsync(Timeout, "status", "--tls", ours);
        Assert.Equal(1, cli.ExitCode);
        Assert.Equal($"rnncluster: --tls {ours}: client.pfx is not signed by its ca.crt (the files come from different `rnncluster certs` runs); copy one run's directory whole", cli.Errors.Trim());

        await File.WriteAllTextAsync(Path.Combine(theirs, "node.pfx"), "garbage");
        using var corrupt = await CliProcess.RunAsync(Timeout, "node", "--roles", "coordinator", "--port", "0", "--tls", theirs);
        Assert.Equal(1, corrupt.ExitCode);
        Assert.StartsWith($"rnncluster: --tls {theirs}: node.pfx cannot be read as a PKCS#12 file without password", corrupt.Errors.Trim(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("node")]
    public async Task Should_name_the_flag_and_file_when_a_certificate_is_missing(string command)
    {
        using var directory = new TempDirectory();
        using var cli = await CliProcess.RunAsync(Timeout, command == "node" ? ["node", "--roles", "coordinator", "--port", "0", "--tls", directory.Path] : [command, "--tls", directory.Path]);
        Assert.Equal(1, cli.ExitCode);
        Assert.Equal($"rnncluster: --tls {directory.Path}: ca.crt is missing; rnncluster certs --out DIR writes ca.crt, node.pfx and client.pfx", cli.Errors.Trim());
    }
}
