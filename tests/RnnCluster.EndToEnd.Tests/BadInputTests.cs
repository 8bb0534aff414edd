using System.Net;
using System.Net.Sockets;
using RnnCluster.Cli.Commands;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>Bad input, by kind: one line on standard error naming the flag, a non-zero exit, no stack trace, no training first.</summary>
public sealed class BadInputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("'--threads'", "train", "--threads", "abc")]
    [InlineData("'yes'", "train", "--deterministic", "yes")]
    [InlineData("--threads 100000", "train", "--threads", "100000")]
    [InlineData("--threads -3", "node", "--threads", "-3")]
    [InlineData("--workers -3", "local", "--workers", "-3")]
    [InlineData("--checkpoint-every -1", "train", "--checkpoint-every", "-1")]
    [InlineData("--out:", "train", "--out", "", "--max-steps", "1")]
    [InlineData("--out /proc/rnncluster.rnnc", "train", "--out", "/proc/rnncluster.rnnc", "--max-steps", "1")]
    [InlineData("--checkpoint-dir /proc/rnncluster", "train", "--checkpoint-dir", "/proc/rnncluster", "--max-steps", "1")]
    [InlineData("--ps-placement 'elsewhere': expected auto", "train", "--ps-placement", "elsewhere")]
    [InlineData("--ps-placement workers needs --optimizer sgd", "local", "--ps-placement", "workers", "--optimizer", "adam")]
    [InlineData("--data-port 70000", "node", "--data-port", "70000")]
    [InlineData("--data-port 4700 is the remoting --port", "node", "--port", "4700", "--data-port", "4700")]
    [InlineData("--workers 500: `local` starts one process per worker, at most", "local", "--workers", "500")]
    [InlineData("--mode async needs --optimizer sgd", "local", "--mode", "async", "--optimizer", "momentum")]
    [InlineData("--max-staleness -1 must be between 0 and 1000", "local", "--mode", "async", "--max-staleness", "-1")]
    [InlineData("--max-staleness applies to --mode async only", "local", "--max-staleness", "3")]
    [InlineData("--sync-every applies to --mode local-sgd only", "local", "--mode", "async", "--sync-every", "3")]
    [InlineData("--mode local-sgd needs --optimizer sgd", "local", "--mode", "local-sgd", "--optimizer", "adam")]
    [InlineData("--sync-every 0 must be between 1 and 100000", "local", "--mode", "local-sgd", "--sync-every", "0")]
    [InlineData("--compress 'int8': expected none, bf16, fp16 or topk:R", "local", "--compress", "int8")]
    [InlineData("--compress topk:0: the top-k fraction must be in (0, 1]", "local", "--compress", "topk:0")]
    [InlineData("'abc' for option '--lr' as a number", "train", "--lr", "abc")]
    [InlineData("--length -5 must be between 0 and 10000000", "generate", "/proc/cpuinfo", "--length", "-5")]
    [InlineData("--length 2147483647 must be between 0 and 10000000", "generate", "/proc/cpuinfo", "--length", "2147483647")]
    [InlineData("--batch 6000 × --bptt 25 = 150,000 rows of 16,384 floats", "train", "--layers", "1", "--hidden", "4096", "--batch", "6000", "--bptt", "25", "--max-steps", "1")]
    [InlineData("corpus file '/dev/zero' is a character device, not a regular file", "train", "--corpus", "/dev/zero")]
    [InlineData("--valid '/dev/zero/x': not found", "train", "--corpus", "/proc/cpuinfo", "--valid", "/dev/zero/x")]
    [InlineData("job file '/dev/zero' is a character device", "train", "--job", "/dev/zero")]
    [InlineData("<model>: checkpoint '/dev/zero' is a character device", "eval", "/dev/zero", "/proc/cpuinfo")]
    [InlineData("<model>: checkpoint '/nonexistent/model.rnnc' does not exist", "eval", "/nonexistent/model.rnnc", "/proc/cpuinfo")]
    [InlineData("<model>: checkpoint '/proc/cpuinfo' is not an RnnCluster checkpoint", "predict", "/proc/cpuinfo", "/proc/cpuinfo")]
    [InlineData("<model>: checkpoint '/nonexistent/model.rnnc' does not exist", "generate", "/nonexistent/model.rnnc")]
    [InlineData("<MODEL>: checkpoint '/nonexistent/model.rnnc' does not exist", "diagnose", "/nonexistent/model.rnnc")]
    [InlineData("--out /proc/cpuinfo: is one of the job's input files", "train", "--corpus", "/proc/cpuinfo", "--out", "/proc/cpuinfo")]
    [InlineData("--builtin-train-tokens 0 must be between 100 and 20,000,000", "train", "--builtin-train-tokens", "0")]
    [InlineData("--checkpoint-dir /dev/null: is a character device; give a directory", "node", "--roles", "coordinator", "--port", "0", "--checkpoint-dir", "/dev/null")]
    [InlineData("a worker-only node needs --seeds", "node", "--roles", "worker", "--port", "0")]
    [InlineData("--checkpoint-dir does not apply to this node (its roles: worker): checkpoints are written by the coordinators (give it to them)", "node", "--roles", "worker", "--port", "0", "--seeds", "127.0.0.1:1", "--checkpoint-dir", "/tmp")]
    [InlineData("--http-port does not apply to this node (its roles: worker): a worker-only node keeps no metrics logs and serves no dashboard (the coordinators do)", "node", "--roles", "worker", "--port", "0", "--seeds", "127.0.0.1:1", "--http-port", "8080")]
    [InlineData("--log-dir does not apply to this node (its roles: worker)", "node", "--roles", "worker", "--port", "0", "--seeds", "127.0.0.1:1", "--log-dir", "/tmp")]
    [InlineData("--workers-per-node does not apply to this node (its roles: coordinator): a coordinator-only node runs no workers", "node", "--roles", "coordinator", "--port", "0", "--workers-per-node", "2")]
    [InlineData("--lr 1e39 is too large for a 32-bit float (it would be infinite; the largest is 3.4e38)", "train", "--lr", "1e39")]
    [InlineData("--lr 1e-300 is too small for a 32-bit float (it would be 0; the smallest positive one is 1.4e-45)", "train", "--lr", "1e-300")]
    [InlineData("--lr Infinity must be a positive finite number", "train", "--lr", "Infinity")]
    [InlineData("--eval-batch 0 must be between 1 and 100000", "train", "--eval-batch", "0")]
    [InlineData("--momentum 1 must be in [0, 1)", "train", "--optimizer", "momentum", "--momentum", "1")]
    [InlineData("--momentum applies to --optimizer momentum only (this job's optimizer is sgd)", "train", "--momentum", "0.5")]
    [InlineData("--decay-after applies to --decay-on-plateau 0 only (this job's decay-on-plateau is 1)", "train", "--decay-on-plateau", "1", "--decay-after", "6")]
    [InlineData("--dropout 0.99999999 (1 as a 32-bit float) must be in [0, 1)", "train", "--dropout", "0.99999999")]
    [InlineData("--lr is given 2 times: give it once", "train", "--lr", "1", "--lr", "2")]
    [InlineData("--valid does not apply here: the built-in corpus makes its own validation text", "train", "--valid", "/proc/cpuinfo")]
    [InlineData("--test does not apply here: the built-in corpus has no test text", "train", "--test", "/proc/cpuinfo")]
    [InlineData("--forget-bias does not apply here: it is the LSTM's forget-gate bias, and --model gru has none", "local", "--model", "gru", "--forget-bias", "1")]
    [InlineData("--builtin-train-tokens does not apply here: it sizes the built-in corpus, and this job reads --corpus", "train", "--corpus", "/proc/cpuinfo", "--builtin-train-tokens", "5000")]
    [InlineData("--builtin-valid-tokens does not apply here: it sizes the built-in corpus, and this job reads --corpus", "local", "--corpus", "/proc/cpuinfo", "--builtin-valid-tokens", "5000")]
    [InlineData("--builtin-train-tokens does not apply here: it sizes the built-in corpus, and this job reads --corpus", "train", "--corpus", "/proc/cpuinfo", "--builtin-train-tokens", "200000")]
    [InlineData("--builtin-valid-tokens does not apply to a --model bow classifier", "train", "--task", "classify", "--corpus", "/proc/cpuinfo", "--builtin-valid-tokens", "5000")]
    [InlineData("--checkpoint-every 100 needs --checkpoint-dir, the directory the checkpoints are written to", "train", "--checkpoint-every", "100")]
    [InlineData("--checkpoint-every 100 needs --checkpoint-dir, the directory the checkpoints are written to", "local", "--checkpoint-every", "100")]
    [InlineData("--lr '1,5' is not a number as written: use a decimal point and no thousands separators (e.g. 1.5)", "train", "--lr", "1,5")]
    [InlineData("--tolerance '0,5' is not a number as written", "gradcheck", "--tolerance", "0,5")]
    [InlineData("'::1:4053': an IPv6 address goes in brackets, as [::1]:4053", "status", "--contact", "::1:4053")]
    [InlineData("--seeds '::1:4053': an IPv6 address goes in brackets", "node", "--roles", "worker", "--port", "0", "--seeds", "::1:4053")]
    [InlineData("--forget-bias 1E+30 must be between -100 and 100", "train", "--forget-bias", "1e30")]
    [InlineData("--tolerance -1 must be a relative error between 0 and 1", "gradcheck", "--tolerance", "-1")]
    [InlineData("--timeout 0 must be between 1 and 86400 seconds", "status", "--timeout", "0")]
    [InlineData("--bptt 0 must be between 1 and 10000", "eval", "/proc/cpuinfo", "/proc/cpuinfo", "--bptt", "0")]
    [InlineData("--batch 0 must be at least 1", "eval", "/proc/cpuinfo", "/proc/cpuinfo", "--batch", "0")]
    [InlineData("<model>: '/proc/cpuinfo' is neither a model written by train --out (an RnnCluster checkpoint, starting with \"RNNCKPT1\") nor an n-gram model written by ngram --out (ARPA, beginning with \\data\\)", "eval", "/proc/cpuinfo", "/proc/cpuinfo")]
    [InlineData("--resume: the path is empty", "submit", "--resume", " ")]
    [InlineData("--sync-every applies to --mode local-sgd only", "local", "--sync-every", "3")]
    [InlineData("--host 999.1.1.1: cannot listen there", "node", "--roles", "coordinator", "--host", "999.1.1.1", "--port", "0")]
    [InlineData("--out /dev/stdout: is a symbolic link", "train", "--out", "/dev/stdout", "--max-steps", "1")]
    [InlineData("--corpus '/nonexistent/corpus': not found", "local", "--corpus", "/nonexistent/corpus")]
    [InlineData("job file '/proc' is a directory", "train", "--job", "/proc")]
    [InlineData("<model>: checkpoint '/proc' is a directory", "eval", "/proc", "/proc/cpuinfo")]
    [InlineData("--corpus '/nonexistent/corpus': not found", "train", "--corpus", "/nonexistent/corpus")]
    [InlineData("--valid '/proc': is a directory", "train", "--corpus", "/proc/cpuinfo", "--valid", "/proc")]
    [InlineData("--out /dev/null: is a character device, not a regular file", "train", "--out", "/dev/null", "--max-steps", "1")]
    [InlineData("--order 0 must be between 1 and 9", "ngram", "--order", "0")]
    [InlineData("--keep-best needs --out", "train", "--keep-best")]
    [InlineData("--mode cannot be given with --resume", "submit", "--resume", "/tmp/job-1.cancelled.rnnc", "--mode", "sync")]
    [InlineData("--decay-on-plateau 1 is supported by `train` only so far", "local", "--decay-on-plateau", "1")]
    [InlineData("--keep-best true is supported by `train` only so far", "submit", "--keep-best", "--out", "/tmp/rnncluster-never.rnnc", "--contact", "127.0.0.1:1")]
    [InlineData("--decay-on-plateau -2 must be between 0 (off) and 1000000", "train", "--decay-on-plateau", "-2")]
    [InlineData("--order 12 must be between 1 and 9", "ngram", "--order", "12")]
    [InlineData("--out /dev/null: is a character device, not a regular file", "ngram", "--out", "/dev/null")]
    [InlineData("--min-count 0 must be at least 1", "ngram", "--min-count", "0")]
    [InlineData("--task cbow needs --corpus", "train", "--task", "cbow")]
    [InlineData("--mode async is not supported for --task cbow on the cluster yet", "local", "--task", "cbow", "--corpus", "/proc/cpuinfo", "--mode", "async")]
    [InlineData("--window 0 must be between 1 and 100", "train", "--task", "cbow", "--corpus", "/proc/cpuinfo", "--window", "0")]
    [InlineData("--negative -1 must be between 0 (the full softmax) and 100", "train", "--task", "cbow", "--corpus", "/proc/cpuinfo", "--negative", "-1")]
    [InlineData("--subsample NaN must be in [0, 1)", "train", "--task", "cbow", "--corpus", "/proc/cpuinfo", "--subsample", "NaN")]
    [InlineData("--window applies to --task cbow only (this job's task is lm)", "train", "--window", "3")]
    [InlineData("--task cbow trains word embeddings; --model lstm is for --task lm", "train", "--task", "cbow", "--model", "lstm", "--corpus", "/proc/cpuinfo")]
    [InlineData("--model cbow is the word-embedding model: use it with --task cbow", "train", "--model", "cbow")]
    [InlineData("--keep-best is not written for --task cbow yet", "train", "--task", "cbow", "--corpus", "/proc/cpuinfo", "--keep-best", "--out", "/tmp/rnncluster-never.vec")]
    [InlineData("--top 0 must be between 1 and 1000", "neighbors", "/proc/cpuinfo", "word", "--top", "0")]
    [InlineData("--dropout does not apply to --task cbow", "train", "--task", "cbow", "--corpus", "/proc/cpuinfo", "--dropout", "0.5")]
    [InlineData("--bptt does not apply to --task cbow", "train", "--task", "cbow", "--corpus", "/proc/cpuinfo", "--bptt", "35")]
    [InlineData("--builtin-train-tokens does not apply to --task cbow", "submit", "--task", "cbow", "--corpus", "/proc/cpuinfo", "--builtin-train-tokens", "5000", "--contact", "127.0.0.1:1")]
    [InlineData("--bptt does not apply to a --model bow classifier: the bag of words reads whole documents", "train", "--task", "classify", "--corpus", "/proc/cpuinfo", "--bptt", "10")]
    [InlineData("--forget-bias does not apply to a --model gru classifier: it is the LSTM's forget-gate bias", "local", "--task", "classify", "--model", "gru", "--corpus", "/proc/cpuinfo", "--forget-bias", "1")]
    [InlineData("--optimizer adam: --task cbow trains with plain SGD", "train", "--task", "cbow", "--corpus", "/proc/cpuinfo", "--optimizer", "adam")]
    [InlineData("--tls: the directory is empty", "status", "--tls", "")]
    [InlineData("--force replaces a set and --if-missing keeps one", "certs", "--out", "/tmp/rnncluster-never-certs", "--force", "--if-missing")]
    [InlineData("--hosts: 'a b' is not a host name or an IP address", "certs", "--out", "/tmp/rnncluster-never-certs", "--hosts", "a b")]
    [InlineData("word vectors '/proc' is a directory", "neighbors", "/proc", "word")]
    [InlineData("--join-timeout 0 must be between 1 and 86400 seconds", "node", "--join-timeout", "0")]
    [InlineData("--model 'gru\\r' (U+000D): expected rnn, lstm, gru, char-lstm, bow (--task classify) or cbow", "train", "--model", "gru\r")]
    [InlineData("--mode 'async ': expected sync, async, local-sgd", "local", "--mode", "async ")]
    [InlineData("--optimizer ' sgd': expected sgd, momentum, adam", "train", "--optimizer", " sgd")]
    [InlineData("--compress 'bf16\\t' (U+0009): expected none", "local", "--compress", "bf16\t")]
    [InlineData("--task 'tag': expected lm, classify or cbow", "train", "--task", "tag")]
    [InlineData("--task classify needs --corpus", "train", "--task", "classify")]
    [InlineData("--compress bf16 is not supported for --task classify on the cluster yet", "local", "--task", "classify", "--corpus", "/proc/cpuinfo", "--compress", "bf16")]
    [InlineData("--ps-placement workers is not supported for --task classify on the cluster yet", "submit", "--task", "classify", "--corpus", "/proc/cpuinfo", "--ps-placement", "workers", "--contact", "127.0.0.1:1")]
    [InlineData("--model bow is the bag-of-words document classifier: use it with --task classify", "train", "--model", "bow")]
    [InlineData("--split '80/10': expected three whole percentages", "train", "--task", "classify", "--corpus", "/proc/cpuinfo", "--split", "80/10")]
    [InlineData("--split 80/10/10 applies to --task classify only", "train", "--split", "80/10/10")]
    public async Task Should_refuse_with_one_line_naming_the_flag(string expected, params string[] args)
    {
        using var cli = await CliProcess.RunAsync(Timeout, args);

        AssertOneLineError(cli, expected);
    }

    [Fact]
    public async Task Should_name_the_flag_when_a_port_is_taken()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        using (var dataPort = await CliProcess.RunAsync(Timeout, "node", "--roles", "coordinator", "--port", "0", "--data-port", $"{port}"))
        {
            AssertOneLineError(dataPort, $"--data-port {port}: cannot listen");
        }

        using var remotingPort = await CliProcess.RunAsync(Timeout, "node", "--roles", "coordinator", "--port", $"{port}");
        AssertOneLineError(remotingPort, $"--port {port}: cannot bind");

        using var httpPort = await CliProcess.RunAsync(Timeout, "node", "--roles", "coordinator", "--port", "0", "--http-port", $"{port}");
        AssertOneLineError(httpPort, $"--http-port {port}: cannot serve HTTP on 127.0.0.1:{port}");
    }

    [Fact]
    public async Task Should_say_at_once_that_nothing_listens_at_the_contact()
    {
        int port;
        using (var closed = new TcpListener(IPAddress.Loopback, 0))
        {
            closed.Start();
            port = ((IPEndPoint)closed.LocalEndpoint).Port;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var status = await CliProcess.RunAsync(Timeout, "status", "--contact", $"127.0.0.1:{port}");
        AssertOneLineError(status, $"nothing listens at 127.0.0.1:{port} (connection refused)");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed.TotalSeconds:F1} s (the --timeout is 30 s)");
    }

    [Fact]
    public async Task Should_exit_naming_the_seeds_when_a_worker_cannot_join_in_time()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nobody listens there now

        using var worker = await CliProcess.RunAsync(Timeout, "node", "--roles", "worker", "--seeds", $"127.0.0.1:{port}", "--join-timeout", "3");

        Assert.True(worker.ExitCode != 0, worker.Describe());
        var last = worker.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        Assert.Equal($"rnncluster: --seeds 127.0.0.1:{port}: nothing listens at 127.0.0.1:{port} (connection refused): is the node running, and is that its --port (the port in its `node` line)? (the node waited --join-timeout 3 s to join)", last);
    }

    [Fact]
    public async Task Should_reach_a_node_advertised_by_name_through_its_ip_address()
    {
        // The node answers only as localhost:P; the client given 127.0.0.1:P tries the names that address
        // is known by once it gets no answer (was: 30 s, then "no RnnCluster coordinator answered").
        using var coordinator = CliProcess.Start(["node", "--json", "--roles", "coordinator", "--host", "127.0.0.1", "--public-host", "localhost", "--port", "0", "--http-port", "-1", "--exit-on-stdin-close"]);
        var port = (await coordinator.WaitForEventAsync("node", _ => true, Timeout)).GetProperty("port").GetInt32();

        using var status = await CliProcess.RunAsync(Timeout, "status", "--contact", $"127.0.0.1:{port}", "--json", "--timeout", "20");

        Assert.True(status.ExitCode == 0, status.Describe());
        Assert.Contains($"akka.tcp://rnncluster@localhost:{port}", status.Output, StringComparison.Ordinal);
        coordinator.CloseInput();
        await coordinator.WaitForExitAsync(Timeout);
        Assert.DoesNotContain("[ERROR]", coordinator.Errors, StringComparison.Ordinal); // the dropped messages for 127.0.0.1 are one warning
        Assert.Single(coordinator.Errors.Split('\n'), l => l.Contains($"dropped messages addressed to akka.tcp://rnncluster@127.0.0.1:{port}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_say_when_the_port_is_another_servers_or_nobodys()
    {
        // Another program's port (an HTTP server answering every connection with its error) is named as
        // such, by the client and by a node given it as a seed, in one line: not a TLS mismatch, no wait for
        // the --timeout or --join-timeout, no `node up` line.
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var serving = ServeHttpErrorsAsync(server, stop.Token);
        var expected = $"the port 127.0.0.1:{port} answers, but not as an RnnCluster node (it sent \"HTTP/1.0 400 Bad Request\"): give the remoting port of a node, the port in its `node` line";

        using var status = await CliProcess.RunAsync(Timeout, "status", "--contact", $"127.0.0.1:{port}");
        AssertOneLineError(status, expected);
        Assert.Equal(string.Empty, status.Output.Trim());
        using var worker = await CliProcess.RunAsync(Timeout, "node", "--roles", "worker", "--host", "127.0.0.1", "--port", "0", "--http-port", "-1", "--seeds", $"127.0.0.1:{port}");
        AssertOneLineError(worker, $"--seeds 127.0.0.1:{port}: {expected}");
        Assert.Equal(string.Empty, worker.Output.Trim());

        await stop.CancelAsync();
        server.Stop();
        await serving;

        // Now nothing listens there: the client says so as soon as its connection is refused.
        using var nobody = await CliProcess.RunAsync(Timeout, "status", "--contact", $"127.0.0.1:{port}");
        AssertOneLineError(nobody, $"nothing listens at 127.0.0.1:{port} (connection refused)");

        // A web server speaking TLS (any certificate but a node's) is no node either, with or without --tls.
        using var https = new TcpListener(IPAddress.Loopback, 0);
        https.Start();
        var httpsPort = ((IPEndPoint)https.LocalEndpoint).Port;
        using var stopHttps = new CancellationTokenSource();
        var servingHttps = ServeTlsAsync(https, stopHttps.Token);
        using var tlsStatus = await CliProcess.RunAsync(Timeout, "status", "--contact", $"127.0.0.1:{httpsPort}");
        AssertOneLineError(tlsStatus, $"the port 127.0.0.1:{httpsPort} answers, but not as an RnnCluster node (it speaks TLS with a certificate for 'CN=example.web')");
        await stopHttps.CancelAsync();
        https.Stop();
        await servingHttps;
    }

    /// <summary>Completes a TLS handshake with every connection, as a web server with a certificate for 'CN=example.web' does, and closes it.</summary>
    private static async Task ServeTlsAsync(TcpListener server, CancellationToken stop)
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=example.web", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
        await ServeAsync(server, async stream =>
        {
            await using var tls = new System.Net.Security.SslStream(stream);
            await tls.AuthenticateAsServerAsync(certificate).WaitAsync(TimeSpan.FromSeconds(5), stop);
        }, stop);
    }

    /// <summary>Answers every connection's first bytes with an HTTP error and closes it, as a web server does with a TLS hello or remoting frames.</summary>
    private static Task ServeHttpErrorsAsync(TcpListener server, CancellationToken stop)
    {
        var response = System.Text.Encoding.ASCII.GetBytes("HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        return ServeAsync(server, async stream =>
        {
            _ = await stream.ReadAsync(new byte[4096], stop); // whatever it is: one read, then the error
            await stream.WriteAsync(response, stop);
        }, stop);
    }

    /// <summary>Accepts connections until <paramref name="stop"/>, handles each with <paramref name="handle"/> beside the others, then closes it (the handler's network errors ignored).</summary>
    private static async Task ServeAsync(TcpListener server, Func<NetworkStream, Task> handle, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await server.AcceptTcpClientAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(
                async () =>
                {
                    using (client)
                    {
                        try
                        {
                            await handle(client.GetStream());
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or SocketException or System.Security.Authentication.AuthenticationException)
                        {
                        }
                    }
                },
                CancellationToken.None);
        }
    }

    [Fact]
    public async Task Should_say_that_a_worker_node_takes_no_clients_and_name_the_coordinator()
    {
        using var coordinator = CliProcess.Start(["node", "--json", "--roles", "coordinator", "--host", "127.0.0.1", "--port", "0", "--http-port", "-1", "--exit-on-stdin-close"]);
        var port = (await coordinator.WaitForEventAsync("node", _ => true, Timeout)).GetProperty("port").GetInt32();
        var contact = $"127.0.0.1:{port}";
        // The seed by name: the coordinator answers only as 127.0.0.1, and the worker joins all the same
        // (its seeds are tried as written and as the addresses the name resolves to).
        using var worker = CliProcess.Start(["node", "--json", "--roles", "worker", "--host", "127.0.0.1", "--port", "0", "--http-port", "-1", "--exit-on-stdin-close", "--seeds", $"localhost:{port}"]);
        var workerPort = (await worker.WaitForEventAsync("node", _ => true, Timeout)).GetProperty("port").GetInt32();
        using (var ready = await CliProcess.RunAsync(Timeout, "status", "--contact", contact, "--json"))
        {
            Assert.True(ready.ExitCode == 0, ready.Describe());
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var status = await CliProcess.RunAsync(Timeout, "status", "--contact", $"127.0.0.1:{workerPort}");
        AssertOneLineError(status, $"127.0.0.1:{workerPort} is a worker node, which takes no clients: give --contact a coordinator node's host:port (this cluster's: {contact})");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed.TotalSeconds:F1} s (the --timeout is 30 s)");
        worker.CloseInput();
        await worker.WaitForExitAsync(Timeout);
        // The client's requests to the worker are read (and dropped), not logged as messages it cannot deserialize.
        Assert.DoesNotContain("Deserialization failed", worker.Errors, StringComparison.Ordinal);

        // SIGTERM after the worker left: a normal stop (once exit 1 with an empty error line).
        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", coordinator.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        Assert.True(await coordinator.WaitForExitAsync(Timeout) == 0, coordinator.Describe());
    }

    [Fact]
    public async Task Should_wait_for_the_first_recorded_coordinator_when_restarted_without_seeds_and_say_how_to_go_on_alone()
    {
        // Coordinators restarted without --seeds order the coordinators their directories recorded the
        // same way and only the first founds the cluster again, so two restarted at once never form two
        // clusters; one that is not first and finds nobody says what to do.
        using var directory = new TempDirectory();
        using var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var port = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        await File.WriteAllLinesAsync(Path.Combine(directory.Path, "coordinators.txt"), ["akka.tcp://rnncluster@127.0.0.1:1", $"akka.tcp://rnncluster@127.0.0.1:{port}"]);

        using var coordinator = await CliProcess.RunAsync(Timeout, "node", "--roles", "coordinator", "--port", $"{port}", "--checkpoint-dir", directory.Path, "--join-timeout", "3", "--http-port", "0");

        Assert.True(coordinator.ExitCode != 0, coordinator.Describe());
        var last = coordinator.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        Assert.Equal($"rnncluster: this coordinator, started without --seeds, waited --join-timeout 3 s for the coordinators it last ran with (127.0.0.1:1, from {Path.Combine(directory.Path, "coordinators.txt")}); after a restart only the first of them, 127.0.0.1:1, founds the cluster again (so that two never form): start it too, or, if it is gone for good, start this node with --seeds naming itself (127.0.0.1:{port}) to found a cluster without it", last);
    }

    [Fact]
    public async Task Should_refuse_the_port_of_a_running_node()
    {
        // A node's listener must not share its port (SO_REUSEPORT) with a second node.
        await using var cluster = await NodeCluster.StartAsync(workers: 0);
        var port = cluster.Contact.Split(':')[1];

        using var second = await CliProcess.RunAsync(Timeout, "node", "--roles", "coordinator", "--port", port);

        // The running node's standard output, `node --json`, is JSON only: Akka logs go to standard error.
        Assert.All(cluster.Coordinator.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("{", line, StringComparison.Ordinal));
        Assert.Contains("[INFO]", cluster.Coordinator.Errors, StringComparison.Ordinal);

        AssertOneLineError(second, $"--port {port}: cannot bind");
        Assert.DoesNotContain("Exception", second.Output + second.Errors, StringComparison.Ordinal); // no Akka log of the failed start
    }

    [Fact]
    public void Should_name_the_variable_and_its_flag_when_an_environment_port_is_not_a_number()
    {
        Environment.SetEnvironmentVariable("RNNCLUSTER_TEST_BAD_PORT", "abc");
        try
        {
            var e = Assert.Throws<ArgumentException>(() => NodeEnvironment.Port("TEST_BAD_PORT", "--data-port"));
            Assert.Contains("RNNCLUSTER_TEST_BAD_PORT=abc", e.Message, StringComparison.Ordinal);
            Assert.Contains("--data-port", e.Message, StringComparison.Ordinal);
            Assert.Null(NodeEnvironment.Port("TEST_UNSET_PORT", "--port"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("RNNCLUSTER_TEST_BAD_PORT", null);
        }
    }

    [Fact]
    public void An_environment_port_takes_the_values_its_flag_takes()
    {
        // --http-port takes -1 (no dashboard); --port and --data-port do not.
        Environment.SetEnvironmentVariable("RNNCLUSTER_TEST_NONE_PORT", "-1");
        try
        {
            Assert.Equal(-1, NodeEnvironment.Port("TEST_NONE_PORT", "--http-port", allowsNone: true));
            var e = Assert.Throws<ArgumentException>(() => NodeEnvironment.Port("TEST_NONE_PORT", "--data-port"));
            Assert.Equal("RNNCLUSTER_TEST_NONE_PORT=-1 (which stands in for --data-port) is not a port number (0..65535)", e.Message);
            Environment.SetEnvironmentVariable("RNNCLUSTER_TEST_NONE_PORT", "-2");
            e = Assert.Throws<ArgumentException>(() => NodeEnvironment.Port("TEST_NONE_PORT", "--http-port", allowsNone: true));
            Assert.Equal("RNNCLUSTER_TEST_NONE_PORT=-2 (which stands in for --http-port) is not a port number (-1 for none, 0..65535)", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("RNNCLUSTER_TEST_NONE_PORT", null);
        }
    }

    [Theory]
    [InlineData("""{"learning_rate": 0.5}""", "unknown field 'learning_rate'")]
    [InlineData("""{"hidden": "big"}""", "\"hidden\": \"big\" is not a whole number")]
    [InlineData("""{"model": "transformer"}""", "model 'transformer': expected rnn, lstm, gru, char-lstm, bow or cbow")]
    [InlineData("""{"batch": 0}""", "\"batch\": 0 must be between 1 and 100000")]
    [InlineData("""{"lr": 0.5, "lr": 1}""", "field \"lr\" appears twice")]
    [InlineData("""{"compress": "int8"}""", "\"compress\": 'int8': expected none, bf16, fp16 or topk:R")]
    [InlineData("""{"max_staleness": 3}""", "\"max_staleness\" applies to --mode async only (this job's mode is sync)")]
    [InlineData("""{"mode": "async", "sync_every": 4}""", "\"sync_every\" applies to --mode local-sgd only (this job's mode is async)")]
    [InlineData("""{"momentum": 0.5}""", "\"momentum\" applies to --optimizer momentum only (this job's optimizer is sgd)")]
    [InlineData("""{"dropout": 0.99999999}""", "\"dropout\": 0.99999999 (1 as a 32-bit float) must be in [0, 1)")]
    [InlineData("""{"compress": null}""", "\"compress\": null is not a value; leave the field out for its default (\"none\")")]
    [InlineData("""{"corpus": "/proc/cpuinfo", "builtin_train_tokens": 200000}""", "\"builtin_train_tokens\" does not apply here: it sizes the built-in corpus, and this job reads --corpus")]
    [InlineData("""{"checkpoint_every": 100}""", "\"checkpoint_every\": 100 needs --checkpoint-dir, the directory the checkpoints are written to")]
    [InlineData("""{"lr": 0.5""", "is not valid JSON")]
    public async Task Should_name_the_job_file_and_its_field(string json, string expected)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("rnncluster-job-").FullName, "job.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            using var cli = await CliProcess.RunAsync(Timeout, "train", "--job", file, "--max-steps", "1");

            AssertOneLineError(cli, expected);
            Assert.Contains(file, cli.Errors, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"decay_on_plateau": 0, "decay_after": 5, "decay": 0.85}""", "--decay-on-plateau", "1")]
    [InlineData("""{"optimizer": "momentum", "momentum": 0.5}""", "--optimizer", "sgd")]
    public async Task Should_let_a_flag_that_switches_the_job_files_mode_drop_the_files_fields_of_that_mode(string json, string flag, string value)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("rnncluster-job-").FullName, "job.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            // The command line overrides the file: its schedule (or optimizer) replaces the file's, whose own field goes with it.
            using var cli = await CliProcess.RunAsync(Timeout, "train", "--job", file, flag, value, "--hidden", "8", "--max-steps", "1", "--json");
            Assert.True(cli.ExitCode == 0, cli.Describe());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("local", """{"keep_best": true, "out": "/tmp/rnncluster-never.rnnc"}""", "\"keep_best\": true is supported by `train` only so far; in the cluster use --checkpoint-dir, which keeps every epoch's model (--keep-best false runs a job file that asks for it)")]
    [InlineData("submit", """{"decay_on_plateau": 1}""", "\"decay_on_plateau\": 1 is supported by `train` only so far")]
    public async Task Should_name_the_job_files_field_the_cluster_does_not_run(string command, string json, string expected)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("rnncluster-job-").FullName, "job.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            string[] contact = command == "submit" ? ["--contact", "127.0.0.1:1"] : []; // refused before any connection
            using var cli = await CliProcess.RunAsync(Timeout, [command, "--job", file, .. contact]);

            AssertOneLineError(cli, $"{file}: {expected}");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"decay_on_plateau": 1, "decay_after": 5}""", "--decay-on-plateau", "1", "\"decay_after\" applies to --decay-on-plateau 0 only")]
    [InlineData("""{"optimizer": "sgd", "momentum": 0.5}""", "--optimizer", "sgd", "\"momentum\" applies to --optimizer momentum only")]
    public async Task Should_still_refuse_a_job_files_field_of_another_mode_when_the_flag_restates_the_files_mode(string json, string flag, string value, string expected)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("rnncluster-job-").FullName, "job.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            using var cli = await CliProcess.RunAsync(Timeout, "train", "--job", file, flag, value, "--max-steps", "1");

            AssertOneLineError(cli, $"{file}: {expected}");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    private static void AssertOneLineError(CliProcess cli, string expected)
    {
        Assert.True(cli.ExitCode != 0, cli.Describe());
        var lines = cli.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("rnncluster: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("training", cli.Output, StringComparison.OrdinalIgnoreCase);
        Assert.True(cli.Output.Trim().Length == 0, $"standard output of a refused command: {cli.Output}"); // nothing but the error, and that on standard error
    }
}
