using System.CommandLine;
using RnnCluster.Cli.Output;
using RnnCluster.Cluster.Hosting;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// <c>rnncluster node</c>: one cluster node in the foreground until Ctrl-C / SIGTERM. Flags fall back
/// to RNNCLUSTER_ROLES, _HOST, _PORT, _SEEDS and _PUBLIC_HOST (how docker-compose configures it).
/// </summary>
public static class NodeCommand
{
    /// <summary>The port a coordinator takes when none is given, and the default <c>--contact</c>.</summary>
    public const int CoordinatorPort = 4053;

    public static Command Create()
    {
        var roles = new Option<string>("--roles")
        {
            Description = "coordinator | worker | coordinator,worker (from $RNNCLUSTER_ROLES when set)",
            DefaultValueFactory = _ => NodeEnvironment.Get("ROLES") ?? "coordinator,worker",
        };
        var host = new Option<string>("--host")
        {
            Description = "address to bind, e.g. 0.0.0.0 in a container (from $RNNCLUSTER_HOST when set)",
            DefaultValueFactory = _ => NodeEnvironment.Get("HOST") ?? "127.0.0.1",
        };
        var port = new Option<int?>("--port")
        {
            Description = $"port to bind, 0 for a free one [default: $RNNCLUSTER_PORT, else {CoordinatorPort} for a coordinator and 0 otherwise]",
        };
        var seeds = new Option<string?>("--seeds")
        {
            Description = "host:port[,host:port…] of nodes to join (from $RNNCLUSTER_SEEDS when set; none: the node starts a cluster)",
            DefaultValueFactory = _ => NodeEnvironment.Get("SEEDS"),
        };
        var publicHost = new Option<string?>("--public-host")
        {
            Description = "name other nodes reach this one by, the host of its actor addresses (from $RNNCLUSTER_PUBLIC_HOST when set; none: --host, or the machine name when --host is 0.0.0.0)",
            DefaultValueFactory = _ => NodeEnvironment.Get("PUBLIC_HOST"),
        };
        var dataPort = new Option<int?>("--data-port")
        {
            Description = "port of the tensor data plane, bound on --host; 0 for a free one (other nodes learn it when the node registers) [default: $RNNCLUSTER_DATA_PORT, else 0]",
        };
        var threads = new Option<int>("--threads") { Description = "compute threads per worker: its stream groups run in parallel on them (0: all cores) [default: 0]" };
        var workersPerNode = new Option<int>("--workers-per-node") { Description = "worker actors on this node", DefaultValueFactory = _ => 1 };
        var checkpointDir = new Option<string?>("--checkpoint-dir") { Description = "where a coordinator writes job checkpoints" };
        var joinTimeout = new Option<int>("--join-timeout")
        {
            Description = "seconds to try joining through --seeds; a node that has not joined by then exits with an error",
            DefaultValueFactory = _ => NodeOptions.DefaultJoinTimeoutSeconds,
        };
        var json = new Option<bool>("--json") { Description = "print {\"event\":\"node\",…} when up (joined, for a node with --seeds) instead of a text line" };
        var tls = new Option<string?>("--tls")
        {
            Description = $"directory of the cluster's certificates (rnncluster certs): remoting and the data plane use TLS with its node.pfx and accept only peers whose certificate its ca.crt signed (from ${Cluster.Security.ClusterTls.EnvironmentVariable} when set)",
        };
        var monitoring = new MonitoringFlags();
        var freeHttpPortIfTaken = new Option<bool>("--http-free-port-if-taken")
        {
            Description = "serve HTTP on a free port when --http-port's is in use (used by `local`)",
            Hidden = true,
        };
        var exitOnStdinClose = new Option<bool>("--exit-on-stdin-close")
        {
            Description = "leave the cluster when standard input closes (used by `local` for its child processes)",
            Hidden = true,
        };
        var command = new Command("node", "Run one cluster node in the foreground (Ctrl-C or SIGTERM leaves the cluster). Prints one line with its port when it is up (with --seeds: once it has joined).")
        {
            roles, host, port, dataPort, seeds, publicHost, threads, workersPerNode, checkpointDir, joinTimeout, tls, json, exitOnStdinClose,
        };
        monitoring.AddTo(command);
        command.Options.Add(freeHttpPortIfTaken);
        command.SetAction((result, cancel) => CliError.Guard(async () =>
        {
            var roleList = NodeEnvironment.SplitList(result.GetValue(roles));
            var bindHost = result.GetValue(host)!;
            var options = new NodeOptions(
                roleList,
                bindHost,
                result.GetValue(port) ?? NodeEnvironment.Port("PORT", "--port") ?? (roleList.Contains(NodeOptions.CoordinatorRole) ? CoordinatorPort : 0),
                Seeds(NodeEnvironment.SplitList(result.GetValue(seeds))),
                result.GetValue(workersPerNode),
                Threads.Configure(result.GetValue(threads)),
                result.GetValue(checkpointDir),
                PublicHost(bindHost, result.GetValue(publicHost)),
                result.GetValue(dataPort) ?? NodeEnvironment.Port("DATA_PORT", "--data-port") ?? 0,
                result.GetValue(joinTimeout))
            {
                Tls = Cluster.Security.ClusterTls.Load(result.GetValue(tls), client: false),
            };
            options.Validate(); // a bad flag is reported before the dashboard's port is bound
            RefuseFlagsOfOtherRoles(result, options, workersPerNode, checkpointDir, monitoring);
            var monitoringOptions = monitoring.Bind(result) with { FreePortIfTaken = result.GetValue(freeHttpPortIfTaken) };
            return await RunAsync(options, monitoringOptions, result.GetValue(json), result.GetValue(exitOnStdinClose), cancel);
        }));
        return command;
    }

    /// <summary>
    /// Refuses a flag given on the command line that a node of these roles would ignore without a word:
    /// <c>--workers-per-node</c> without the worker role, <c>--checkpoint-dir</c>, <c>--log-dir</c>,
    /// <c>--http-port</c> and <c>--http-allow-cancel</c> without the coordinator role (a value that asks
    /// for nothing — <c>--log-dir none</c>, <c>--http-port -1</c>, <c>--http-allow-cancel false</c>,
    /// <c>--workers-per-node 1</c> — is taken). The roles may come from $RNNCLUSTER_ROLES.
    /// </summary>
    /// <exception cref="ArgumentException">Naming the first such flag and the roles.</exception>
    private static void RefuseFlagsOfOtherRoles(ParseResult result, NodeOptions options, Option<int> workersPerNode, Option<string?> checkpointDir, MonitoringFlags monitoring)
    {
        const string NoMonitoring = "a worker-only node keeps no metrics logs and serves no dashboard (the coordinators do)";
        var unused = new List<(Option Option, bool AsksForNothing, string Why)>();
        if (!options.IsCoordinator)
        {
            unused.Add((checkpointDir, false, "checkpoints are written by the coordinators (give it to them)"));
            unused.Add((monitoring.LogDir, result.GetValue(monitoring.LogDir) == "none", NoMonitoring));
            unused.Add((monitoring.HttpPort, result.GetValue(monitoring.HttpPort) == -1, NoMonitoring));
            unused.Add((monitoring.AllowCancel, !result.GetValue(monitoring.AllowCancel), NoMonitoring));
        }

        if (!options.Roles.Contains(NodeOptions.WorkerRole))
        {
            unused.Add((workersPerNode, result.GetValue(workersPerNode) == 1, "a coordinator-only node runs no workers"));
        }

        foreach (var (option, asksForNothing, why) in unused)
        {
            if (!asksForNothing && result.GetResult(option) is { Implicit: false })
            {
                throw new ArgumentException($"{option.Name} does not apply to this node (its roles: {string.Join(',', options.Roles)}): {why}");
            }
        }
    }

    private static async Task<int> RunAsync(NodeOptions options, Monitoring.MonitoringOptions monitoringOptions, bool json, bool exitOnStdinClose, CancellationToken outer)
    {
        using var signals = new TerminationSignals(outer);
        var cancel = signals.Token;
        if (options.Roles.Contains(NodeOptions.WorkerRole))
        {
            GemmFallback.Warn();
        }
        while (await RunOnceAsync(options, monitoringOptions, json, exitOnStdinClose, cancel) is { } port)
        {
            // Downed: the rest of the cluster removed this node (it was unreachable for too long, e.g. cut
            // off by a network partition) and its actor system stopped. It starts anew and rejoins through
            // its other seeds once they answer (within --join-timeout); never through itself, which would
            // found a second cluster beside the one that downed it.
            var others = OtherSeeds(options, port);
            Console.Error.WriteLine($"rnncluster: this node was downed by the cluster (unreachable for too long, e.g. cut off by a network partition); restarting it to rejoin through --seeds {string.Join(",", others)} (within --join-timeout {options.JoinTimeoutSeconds} s)");
            options = options with { Seeds = others };
        }

        return 0;
    }

    /// <summary>
    /// Runs one incarnation of the node until it stops; returns its port when the cluster downed it and it
    /// should start again (it has seeds other than itself), null when it stopped on a signal.
    /// </summary>
    /// <exception cref="CliError">When it stopped for any other reason (join timed out, TLS refused, downed without other seeds).</exception>
    private static async Task<int?> RunOnceAsync(NodeOptions options, Monitoring.MonitoringOptions monitoringOptions, bool json, bool exitOnStdinClose, CancellationToken cancel)
    {
        await using var monitoring = await Monitoring.NodeMonitoring.StartAsync(options, monitoringOptions);
        await using var node = await StartAsync(options, cancel);
        monitoring?.Attach(node);
        var address = Akka.Cluster.Cluster.Get(node.System).SelfAddress.ToString();
        var started = new NodeStarted(string.Join(',', options.Roles), Environment.ProcessId, node.Port, address, monitoring?.Url?.ToString());
        var stdinClosed = exitOnStdinClose ? StandardInputClosedAsync() : Task.Delay(Timeout.Infinite, CancellationToken.None);
        var joinThrough = options with { Seeds = OtherSeeds(options, node.Port) };
        using var joining = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        Task<string> seedRefusal;
        if (joinThrough.Seeds is { Count: > 0 })
        {
            // Up once it has joined through its seeds: a node they refuse prints only the reason.
            _ = node.WhenUp.ContinueWith(_ => started.Print(json), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            seedRefusal = JoinDiagnosis.SeedRefusalAsync(joinThrough, () => node.WhenUp.IsCompleted, joining.Token);
        }
        else
        {
            started.Print(json);
            seedRefusal = new TaskCompletionSource<string>().Task; // no seeds but itself: nothing to probe, never completes
        }

        var stopped = await Task.WhenAny(node.WhenTerminated, stdinClosed, seedRefusal, Task.Delay(Timeout.Infinite, cancel));
        await joining.CancelAsync();
        if (stopped == seedRefusal && seedRefusal.IsCompletedSuccessfully)
        {
            // Remoting would retry until --join-timeout: a seed refuses this node over TLS or is no node at all, which waiting does not cure.
            StandardErrorLogger.Discard(node.System);
            throw new CliError(seedRefusal.Result);
        }

        // Akka's own exit hook (run-by-clr-shutdown-hook) may stop the actor system on the same
        // signal before our token fires; that is a normal stop too.
        var reason = Akka.Actor.CoordinatedShutdown.Get(node.System).ShutdownReason;
        var stoppedBySignal = cancel.IsCancellationRequested || reason is Akka.Actor.CoordinatedShutdown.ClrExitReason;
        if (stopped == node.WhenTerminated && (reason is Akka.Actor.CoordinatedShutdown.ClusterJoinUnsuccessfulReason || reason?.GetType().Name == "TlsHandshakeFailureReason"))
        {
            throw await JoinFailureAsync(node, options, joinThrough, tlsHandshake: reason is not Akka.Actor.CoordinatedShutdown.ClusterJoinUnsuccessfulReason, cancel);
        }

        if (stopped == node.WhenTerminated && !stoppedBySignal && reason is Akka.Actor.CoordinatedShutdown.ClusterDowningReason && OtherSeeds(options, node.Port).Count > 0)
        {
            return node.Port;
        }

        if (stopped == node.WhenTerminated && !stoppedBySignal)
        {
            throw new CliError(reason is Akka.Actor.CoordinatedShutdown.ClusterDowningReason
                ? "the cluster downed this node (unreachable for too long, e.g. cut off by a network partition) and it has no other seed node to rejoin through; start it again"
                : "the node's actor system stopped (removed from the cluster?)");
        }

        return null;
    }

    /// <summary>
    /// The one line for a node that stopped without joining: its --join-timeout passed
    /// (<paramref name="tlsHandshake"/> false) or remoting's TLS handshake with a seed failed. A probe of
    /// the seeds (<see cref="JoinDiagnosis.DiagnoseSeedsAsync"/>) names the cause when it finds one; else
    /// the node's log, held back so far, is printed, since what remoting saw may tell why.
    /// </summary>
    private static async Task<CliError> JoinFailureAsync(ClusterNode node, NodeOptions options, NodeOptions joinThrough, bool tlsHandshake, CancellationToken cancel)
    {
        if (!tlsHandshake && options.Seeds is not { Count: > 0 } && options.CheckpointDir is { } dir)
        {
            var self = Akka.Cluster.Cluster.Get(node.System).SelfAddress;
            var seeds = ClusterNode.RestartSeeds(dir, self);
            return new CliError($"this coordinator, started without --seeds, waited --join-timeout {options.JoinTimeoutSeconds} s for the coordinators it last ran with ({string.Join(", ", seeds.Where(a => !a.Equals(self)).Select(a => $"{a.Host}:{a.Port}"))}, from {Path.Combine(dir, "coordinators.txt")}); after a restart only the first of them, {seeds[0].Host}:{seeds[0].Port}, founds the cluster again (so that two never form): start it too, or, if it is gone for good, start this node with --seeds naming itself ({options.AdvertisedHost}:{node.Port}) to found a cluster without it");
        }

        var finding = await JoinDiagnosis.DiagnoseSeedsAsync(joinThrough, cancel);
        if (finding is not null && !(tlsHandshake && finding.NothingListens))
        {
            StandardErrorLogger.Discard(node.System);
            return new CliError(tlsHandshake ? finding.Reason : $"{finding.Reason} (the node waited --join-timeout {options.JoinTimeoutSeconds} s to join)");
        }

        if (tlsHandshake)
        {
            StandardErrorLogger.Discard(node.System);
            return new CliError(options.Tls is { } tls
                ? $"{tls.Flag} {tls.Directory}: the TLS handshake with {string.Join(",", options.Seeds ?? [])} failed and the node stopped: that node speaks plain TCP or holds certificates of another CA (its log and this one say which side refused); give every node and client the same `rnncluster certs` directory"
                : "a TLS handshake failed and the node stopped");
        }

        StandardErrorLogger.StartPrinting(node.System);
        return new CliError($"--seeds {string.Join(",", options.Seeds ?? [])}: no seed node let this node join within --join-timeout {options.JoinTimeoutSeconds} s; check that a coordinator runs at that host:port, is reachable from here, and is named as it advertises itself (the host in its `node` line's address, e.g. localhost or 127.0.0.1: a node answers to that name alone){(options.Tls is null ? "; a cluster that speaks TLS needs --tls" : string.Empty)}");
    }

    /// <summary>The seeds as host:port (a node's address as its `node` line prints it is taken too).</summary>
    /// <exception cref="ArgumentException">Naming --seeds, for a seed that is neither.</exception>
    private static List<string> Seeds(IEnumerable<string> given)
    {
        try
        {
            return [.. given.Select(ClusterAddresses.HostPort)];
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--seeds {e.Message}", e);
        }
    }

    /// <summary>The node's seeds but itself (<paramref name="port"/> is its remoting port): restarted after a downing, it rejoins through them.</summary>
    private static List<string> OtherSeeds(NodeOptions options, int port)
        => [.. (options.Seeds ?? []).Where(seed => !string.Equals(seed, $"{options.AdvertisedHost}:{port}", StringComparison.OrdinalIgnoreCase))];

    /// <summary>Starts the node; a port that cannot be bound is one line naming its flag.</summary>
    private static async Task<ClusterNode> StartAsync(NodeOptions options, CancellationToken cancel)
    {
        try
        {
            return await ClusterNode.StartAsync(options, cancel);
        }
        catch (Exception e) when (e is not (ArgumentException or InvalidOperationException) && Innermost(e) is var inner
            && (inner is System.Net.Sockets.SocketException || inner.Message.Contains("bind", StringComparison.OrdinalIgnoreCase)))
        {
            // Akka.Remote binds the remoting port as the actor system starts and wraps the socket's error;
            // a host that does not resolve (or is not this machine's) is the --host's fault, not the port's.
            throw new CliError(ClusterAddresses.IsHostFault(inner)
                ? ClusterAddresses.HostFaultReason(options.Host, inner.Message)
                : $"--port {options.Port}: cannot bind {options.Host}:{options.Port}: {inner.Message}");
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    /// <summary>
    /// The name the node advertises when it is not the bind address: --public-host, else the machine
    /// name for a wildcard bind (under docker the container's hostname, which resolves to its address
    /// on the compose network), else none (the bind address is advertised).
    /// </summary>
    private static string? PublicHost(string bindHost, string? publicHost)
    {
        if (!string.IsNullOrWhiteSpace(publicHost))
        {
            return publicHost;
        }

        return NodeOptions.IsWildcard(bindHost) ? System.Net.Dns.GetHostName() : null;
    }

    private static async Task StandardInputClosedAsync()
    {
        await using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (await stdin.ReadAsync(buffer) > 0)
        {
        }
    }
}
