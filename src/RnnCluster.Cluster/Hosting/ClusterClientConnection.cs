using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Hosting;

/// <summary>
/// The CLI side: a small remoting-only ActorSystem whose ClusterClient talks to the supervisor
/// through a node's ClusterClientReceptionist. RNNCLUSTER_CLIENT_HOST sets the address the cluster
/// answers to (default 127.0.0.1).
/// </summary>
public sealed class ClusterClientConnection : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _client;

    private ClusterClientConnection(ActorSystem system, IActorRef client)
    {
        _system = system;
        _client = client;
    }

    /// <summary>The status the cluster answered the connection with (null until connected): a <c>status</c> command prints it instead of asking again.</summary>
    public ClusterStatus? FirstStatus { get; private set; }

    /// <summary>How long (seconds) a connection waits for an answer before checking whether TLS is why none comes.</summary>
    private static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Connects through <paramref name="contact"/> (host:port of a coordinator). A node answers only as
    /// the address it advertises, so a name is tried as written and as each IPv4 address it resolves to
    /// (see <see cref="ClusterAddresses.CandidateAddresses"/>), each from its own client at once: the
    /// first that answers is kept, the others are stopped.
    /// </summary>
    /// <param name="tls">The client's certificates when the cluster speaks TLS (null: plain TCP).</param>
    /// <exception cref="TimeoutException">When no candidate answers within <paramref name="timeout"/> (the message lists them).</exception>
    /// <exception cref="ClusterRefusedException">
    /// When the node will not answer: its name does not resolve, or nothing listens at the port (at once); TLS (one speaks it and the other
    /// not, or their certificates come from different CAs), a worker node, or a port that is no node's
    /// (after ≈ 4–8 s). The message says which.
    /// </exception>
    public static async Task<ClusterClientConnection> ConnectAsync(string contact, TimeSpan timeout, CancellationToken cancel = default, Security.ClusterTls? tls = null)
    {
        var (host, _) = ClusterAddresses.ParseContact(contact);
        if (!System.Net.IPAddress.TryParse(host, out _))
        {
            try
            {
                _ = await System.Net.Dns.GetHostAddressesAsync(host, cancel).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new ClusterRefusedException($"--contact {contact}: {Security.ContactProbe.DoesNotResolve(host, e)}");
            }
        }

        var candidates = ClusterAddresses.CandidateAddresses(contact, tls is not null);
        using var settled = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var attempts = candidates.Select(a => TryConnectAsync(a, timeout, tls, settled.Token)).ToList();

        // When no candidate has answered after 4 s (a healthy node answers within 1 s, a busy one within a
        // few), one TLS handshake tells whether TLS is the reason (a plain client and a TLS cluster, or
        // certificates of another CA), so the client says so at once; a plain node logs the probe as one line.
        var probe = ProbeTlsAsync(candidates[0], tls, timeout, settled.Token);

        // A node answers only as the address it advertises: an IP address that gets no answer within 4 s
        // is tried as the names it is known by too (a node started with --public-host localhost, say).
        var otherNames = OtherNamesAsync(candidates, settled.Token);
        var never = Task.Delay(System.Threading.Timeout.Infinite, settled.Token);
        ClusterClientConnection? winner = null;
        string? refusal = null;
        string? nothingListens = null;
        var pending = attempts.ToList();
        while (pending.Count > 0 && winner is null && refusal is null)
        {
            var done = await Task.WhenAny(pending.Cast<Task>().Append(probe).Append(otherNames)).ConfigureAwait(false);
            if (done == probe)
            {
                refusal = await probe.ConfigureAwait(false);
                probe = never.ContinueWith(_ => (string?)null, TaskScheduler.Default);
                continue;
            }

            if (done == otherNames)
            {
                foreach (var name in await otherNames.ConfigureAwait(false))
                {
                    var another = TryConnectAsync(name, timeout, tls, settled.Token);
                    attempts.Add(another);
                    pending.Add(another);
                }

                otherNames = never.ContinueWith(_ => (IReadOnlyList<Address>)[], TaskScheduler.Default);
                continue;
            }

            pending.Remove((Task<Attempt>)done);
            var attempt = await ((Task<Attempt>)done).ConfigureAwait(false);
            winner = attempt.Connection;
            if (attempt.NothingListens)
            {
                nothingListens ??= attempt.Refusal; // final only when no other candidate answers
            }
            else
            {
                refusal = attempt.Refusal;
            }
        }

        refusal ??= winner is null ? nothingListens : null;

        await settled.CancelAsync().ConfigureAwait(false);
        foreach (var other in await Task.WhenAll(attempts).ConfigureAwait(false))
        {
            if (other.Connection is { } connection && connection != winner)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        cancel.ThrowIfCancellationRequested();
        if (winner is null && refusal is not null)
        {
            throw new ClusterRefusedException(refusal);
        }

        return winner ?? throw new TimeoutException($"no RnnCluster coordinator answered at {contact} within {timeout.TotalSeconds:0.#} s; give a coordinator node's host:port as it advertises it (tried: {string.Join(", ", candidates.Select(a => $"{a.Host}:{a.Port}"))}; worker nodes take no clients{(tls is null ? "; a cluster that speaks TLS needs --tls" : $"; with {tls.Flag} {tls.Directory}: a cluster with other certificates refuses this client")})");
    }

    /// <summary>
    /// After <see cref="ProbeAfter"/> without an answer: the names an IP address among
    /// <paramref name="candidates"/> is known by (reverse lookup, /etc/hosts) that are not candidates
    /// yet, as addresses; empty when there are none, the lookup fails, or it is cancelled.
    /// </summary>
    private static async Task<IReadOnlyList<Address>> OtherNamesAsync(IReadOnlyList<Address> candidates, CancellationToken cancel)
    {
        try
        {
            await Task.Delay(ProbeAfter, cancel).ConfigureAwait(false);
            var found = new List<Address>();
            foreach (var candidate in candidates.Where(c => System.Net.IPAddress.TryParse(c.Host, out _)))
            {
                var entry = await System.Net.Dns.GetHostEntryAsync(candidate.Host!, cancel).ConfigureAwait(false);
                found.AddRange(entry.Aliases.Prepend(entry.HostName).Where(n => !string.IsNullOrEmpty(n) && !System.Net.IPAddress.TryParse(n, out _))
                    .Select(n => new Address(candidate.Protocol, candidate.System, n, candidate.Port)));
            }

            return [.. found.Distinct().Where(a => !candidates.Contains(a))];
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or ArgumentException)
        {
            return [];
        }
    }

    /// <summary>After <see cref="ProbeAfter"/> without an answer, what <see cref="Security.ContactProbe"/> finds wrong with TLS (null: nothing, or cancelled).</summary>
    private static async Task<string?> ProbeTlsAsync(Address node, Security.ClusterTls? tls, TimeSpan timeout, CancellationToken cancel)
    {
        try
        {
            await Task.Delay(ProbeAfter < timeout ? ProbeAfter : timeout / 2, cancel).ConfigureAwait(false);
            return (await Security.ContactProbe.DiagnoseAsync(node.Host, node.Port ?? 0, tls, cancel).ConfigureAwait(false))?.Reason;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// One candidate's outcome: a connection that answered, a reason it never will (a worker node; nothing
    /// listens at its port, <paramref name="NothingListens"/>), or neither (no answer in time, cancelled).
    /// </summary>
    private readonly record struct Attempt(ClusterClientConnection? Connection, string? Refusal, bool NothingListens = false);

    /// <summary>
    /// A client of its own that asks <paramref name="node"/> for the status; a worker node, which has no
    /// receptionist for clients, is named as such after <see cref="ProbeAfter"/>, and a port where nothing
    /// listens as soon as remoting's connection is refused.
    /// </summary>
    private static async Task<Attempt> TryConnectAsync(Address node, TimeSpan timeout, Security.ClusterTls? tls, CancellationToken cancel)
    {
        var clientHost = Environment.GetEnvironmentVariable("RNNCLUSTER_CLIENT_HOST");
        var config = ClusterConfig.ForClient(string.IsNullOrEmpty(clientHost) ? "127.0.0.1" : clientHost, tls is not null);
        var system = ActorSystem.Create("rnncluster-client", ClusterConfig.Setup(config, tls));
        var receptionist = ActorPath.Parse($"{node}/system/receptionist");
        var settings = ClusterClientSettings.Create(system).WithInitialContacts(ImmutableHashSet.Create(receptionist));
        var connection = new ClusterClientConnection(system, system.ActorOf(ClusterClient.Props(settings), "client"));
        using var answered = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        try
        {
            var status = connection.AskAsync<ClusterStatus>(GetStatus.Instance, timeout, answered.Token);
            var worker = WorkerNodeAsync(system, node, answered.Token);
            var refused = ConnectionRefusedAsync(system, node, answered.Token);
            var reasons = new List<Task<string?>> { worker, refused };
            while (reasons.Count > 0)
            {
                var done = await Task.WhenAny(reasons.Cast<Task>().Prepend(status)).ConfigureAwait(false);
                if (done == status)
                {
                    break;
                }

                reasons.Remove((Task<string?>)done);
                if (await ((Task<string?>)done).ConfigureAwait(false) is { } reason)
                {
                    await answered.CancelAsync().ConfigureAwait(false);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return new(null, reason, NothingListens: done == refused);
                }
            }

            connection.FirstStatus = await status.ConfigureAwait(false);
            await answered.CancelAsync().ConfigureAwait(false);
            return new(connection, null);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException or TimeoutException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return default;
        }
    }

    /// <summary>
    /// Completes with one line when remoting reports that <paramref name="node"/> refused the connection
    /// (nothing listens at its port), which it does within milliseconds; with null when cancelled.
    /// </summary>
    private static async Task<string?> ConnectionRefusedAsync(ActorSystem system, Address node, CancellationToken cancel)
    {
        var refused = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = system.ActorOf(Props.Create(() => new ConnectionRefusals(node, refused)));
        system.EventStream.Subscribe(listener, typeof(Akka.Remote.AssociationErrorEvent));
        await using (cancel.Register(() => refused.TrySetResult(null)).ConfigureAwait(false))
        {
            return await refused.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Watches remoting's association errors for a refused connection to one node.</summary>
    private sealed class ConnectionRefusals : ReceiveActor
    {
        public ConnectionRefusals(Address node, TaskCompletionSource<string?> refused)
        {
            Receive<Akka.Remote.AssociationErrorEvent>(e =>
            {
                if (e.RemoteAddress == node && IsConnectionRefused(e.Cause))
                {
                    refused.TrySetResult(Security.ContactProbe.NothingListensAt(node.Host!, node.Port ?? 0));
                    Context.Stop(Self);
                }
            });
        }

        private static bool IsConnectionRefused(Exception? cause)
        {
            for (var e = cause; e is not null; e = e.InnerException)
            {
                if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused }
                    || e.Message.Contains("Connection refused", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// After <see cref="ProbeAfter"/> without an answer: when <paramref name="node"/> is a worker node (it
    /// has the supervisor desk every node has, but no receptionist for clients), one line saying so and
    /// naming the coordinators it knows; else null (a coordinator, no RnnCluster node, no answer, cancelled).
    /// </summary>
    private static async Task<string?> WorkerNodeAsync(ActorSystem system, Address node, CancellationToken cancel)
    {
        var patience = TimeSpan.FromSeconds(3);
        try
        {
            await Task.Delay(ProbeAfter, cancel).ConfigureAwait(false);
            var desk = await system.ActorSelection($"{node}/user/supervisor").Ask<ActorIdentity>(new Identify("desk"), patience, cancel).ConfigureAwait(false);
            var receptionist = await system.ActorSelection($"{node}/system/receptionist").Ask<ActorIdentity>(new Identify("receptionist"), patience, cancel).ConfigureAwait(false);
            if (desk.Subject is null || receptionist.Subject is not null)
            {
                return null;
            }

            var members = (await desk.Subject.Ask<ClusterStatus>(GetStatus.Instance, patience, cancel).ConfigureAwait(false)).Members;
            var coordinators = members.Where(m => m.Roles.Contains(NodeOptions.CoordinatorRole) && m.Status == "Up")
                .Select(m => Address.Parse(m.Address)).Select(a => $"{a.Host}:{a.Port}").ToList();
            return $"{node.Host}:{node.Port} is a worker node, which takes no clients: give --contact a coordinator node's host:port ({(coordinators.Count > 0 ? $"this cluster's: {string.Join(", ", coordinators)}" : "none is up in its cluster now")})";
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException or TimeoutException)
        {
            return null;
        }
    }

    public Task<SubmitResult> SubmitAsync(JobDefinition job, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(job);
        return SubmitAsync(new SubmitJob(job.ToJson()), timeout);
    }

    /// <summary>Continues the job a checkpoint on the coordinator (<paramref name="checkpointPath"/>, a path there) holds, as a new job.</summary>
    public Task<SubmitResult> ResumeAsync(string checkpointPath, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        return SubmitAsync(new SubmitJob("{}", checkpointPath), timeout);
    }

    private async Task<SubmitResult> SubmitAsync(SubmitJob submit, TimeSpan timeout)
    {
        var reply = await AskAsync<IClusterMessage>(submit, timeout, default).ConfigureAwait(false);
        return reply switch
        {
            JobAccepted a => new SubmitResult(true, a.JobId, null, a.Task),
            JobRejected r => new SubmitResult(false, null, r.Reason),
            _ => new SubmitResult(false, null, $"unexpected reply {reply.GetType().Name}"),
        };
    }

    public Task<ClusterStatus> GetStatusAsync(TimeSpan timeout) => AskAsync<ClusterStatus>(GetStatus.Instance, timeout, default);

    public async Task<bool> CancelAsync(string jobId, TimeSpan timeout)
        => (await AskAsync<CancelResult>(new CancelJob(jobId), timeout, default).ConfigureAwait(false)).Cancelled;

    /// <summary>The job's events from now on (the first is a snapshot); ends after its final event.</summary>
    public async IAsyncEnumerable<JobEvent> WatchAsync(string jobId, [EnumeratorCancellation] CancellationToken cancel)
    {
        var channel = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true });
        var watcher = _system.ActorOf(Props.Create(() => new WatchRelay(_client, jobId, channel.Writer)));
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancel).ConfigureAwait(false))
            {
                yield return e;
                if (e.IsFinal)
                {
                    yield break;
                }
            }
        }
        finally
        {
            watcher.Tell(PoisonPill.Instance);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _system.Terminate().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    private async Task<T> AskAsync<T>(object message, TimeSpan timeout, CancellationToken cancel)
    {
        object reply;
        try
        {
            reply = await _client.Ask<object>(new ClusterClient.Send(ClusterAddresses.SupervisorService, message, localAffinity: true), timeout, cancel)
                .ConfigureAwait(false);
        }
        catch (AskTimeoutException e)
        {
            var mayHaveActed = message switch
            {
                SubmitJob => " (the job may still have been accepted: check with `rnncluster status`)",
                CancelJob => " (the job may have been cancelled all the same: check with `rnncluster status`)",
                _ => string.Empty,
            };
            throw new TimeoutException(
                $"the cluster did not answer {message.GetType().Name} within {timeout.TotalSeconds:F0} s: the coordinator is down or unreachable, or its reply was lost{mayHaveActed}", e);
        }

        return reply is T t ? t : throw new InvalidOperationException($"unexpected reply {reply.GetType().Name} to {message.GetType().Name}");
    }

    /// <summary>
    /// Subscribes to a job and relays its events. Every 10 s it subscribes again (the supervisor keeps
    /// watchers in a set, so repeats are harmless, and a supervisor that moved to another coordinator
    /// learns of the watcher) and asks for the cluster status; when nothing at all has come back for
    /// <see cref="Silence"/>, the watch ends with an error instead of waiting forever.
    /// </summary>
    private sealed class WatchRelay : ReceiveActor, IWithTimers
    {
        private static readonly TimeSpan Silence = TimeSpan.FromSeconds(45);
        private readonly ChannelWriter<JobEvent> _writer;
        private DateTime _lastHeard = DateTime.UtcNow;

        public WatchRelay(IActorRef client, string jobId, ChannelWriter<JobEvent> writer)
        {
            _writer = writer;
            var subscribe = new ClusterClient.Send(ClusterAddresses.SupervisorService, new WatchJob(jobId), localAffinity: true);
            var status = new ClusterClient.Send(ClusterAddresses.SupervisorService, GetStatus.Instance, localAffinity: true);
            Receive<JobEvent>(e =>
            {
                _lastHeard = DateTime.UtcNow;
                writer.TryWrite(e);
                if (e.IsFinal)
                {
                    writer.TryComplete();
                }
            });
            Receive<ClusterStatus>(_ => _lastHeard = DateTime.UtcNow);
            Receive<string>(_ =>
            {
                if (DateTime.UtcNow - _lastHeard > Silence)
                {
                    writer.TryComplete(new InvalidOperationException(
                        $"the cluster has not answered for {Silence.TotalSeconds:F0} s while watching {jobId}; is the coordinator still up?"));
                    Context.Stop(Self);
                    return;
                }

                client.Tell(subscribe, Self);
                client.Tell(status, Self);
            });
            client.Tell(subscribe, Self);
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart() => Timers.StartPeriodicTimer("resubscribe", "resubscribe", TimeSpan.FromSeconds(10));

        protected override void PostStop() => _writer.TryComplete();
    }
}
