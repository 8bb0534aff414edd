using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace RnnCluster.Cluster.Hosting;

/// <summary>
/// Akka's log sink for every node: log lines go to standard error, so a node's standard output holds
/// only what the CLI prints there (its "node up" line; JSON with <c>--json</c>). Until the node has
/// started (<see cref="StartPrinting"/>; a node with seeds: joined, or a few seconds passed) lines are
/// held back: a node that cannot start (a port taken, say) or is refused by its seeds over TLS ends with
/// the CLI's one-line reason (<see cref="Discard"/>), not with Akka's stack traces; one that starts prints them.
/// </summary>
public sealed class StandardErrorLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private const int MaxHeldLines = 1000;
    private const int FallbackHeld = 0;
    private const int FallbackPrinting = 1;
    private const int FallbackDiscarded = 2;
    private static int _fallbackState;
    private static readonly ConditionalWeakTable<ActorSystem, Gate> Gates = [];

    /// <summary>The remote end of a transport event's "channel [[local]:port->[remote]:port](Id=…)".</summary>
    private static readonly System.Text.RegularExpressions.Regex ChannelPeer = new(@"channel \[(?<local>[^ ]+?)->(?<remote>[^ ]+?)\]\(Id=", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public StandardErrorLogger()
    {
        var gate = Gates.GetValue(Context.System, _ => new Gate());
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        var lastRefusal = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        Receive<LogEvent>(e =>
        {
            if (OneLine(e) is { } line && !RepeatsRefusal(line, e.Timestamp, lastRefusal))
            {
                gate.Write(line);
            }
        });
    }

    /// <summary>
    /// How long (seconds) one refusal of one peer host is logged once: a node without TLS is refused for
    /// its remoting connection and again, seconds later, for its probe of why (no certificate), which
    /// say the same.
    /// </summary>
    private static readonly TimeSpan RefusalQuiet = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Remoting's "Dropping message [T] for non-local recipient [[ADDRESS/]] arriving at [A] inbound
    /// addresses [B]": a peer named this node by another address than the one it advertises (a client
    /// trying a name as written beside its resolved address, or a wrong one). An error with a stack
    /// trace in Akka's form; here one warning, once per address in 10 s (<see cref="RepeatsRefusal"/>).
    /// </summary>
    private static readonly System.Text.RegularExpressions.Regex NonLocalRecipient = new(@"^Dropping message \[[^\]]*\] for non-local recipient \[+(?<to>[a-z.]+://[^/\]\s]+)[^\]\s]*\]+ arriving at \[[^\]]*\] inbound addresses \[(?<inbound>[^\]]*)\]", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>"dropped messages addressed to ADDRESS:" in the line for a non-local recipient.</summary>
    private static readonly System.Text.RegularExpressions.Regex DroppedFor = new(@"\] dropped messages addressed to (?<to>\S+):", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>"refused the remoting connection of HOST:PORT: REASON" in a refusal line.</summary>
    private static readonly System.Text.RegularExpressions.Regex RefusedPeer = new(@"refused the remoting connection of (?<host>\[[^\]]+\]|[^\s:]+):\d+: (?<reason>.*)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// True when <paramref name="line"/> (logged at <paramref name="at"/>) refuses a peer host for the same
    /// reason as a line printed less than <see cref="RefusalQuiet"/> before (it is then not printed); a
    /// connection without TLS and one without a certificate count as one reason. <paramref name="lastRefusal"/>
    /// holds the time of the last printed line per host and reason.
    /// </summary>
    internal static bool RepeatsRefusal(string line, DateTime at, Dictionary<string, DateTime> lastRefusal)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(lastRefusal);
        string key;
        if (RefusedPeer.Match(line) is { Success: true } m)
        {
            var reason = m.Groups["reason"].Value;
            var withoutTls = reason.StartsWith("it does not speak TLS", StringComparison.Ordinal) || reason.StartsWith("it presented no certificate", StringComparison.Ordinal);
            key = $"{m.Groups["host"].Value} {(withoutTls ? "without TLS" : reason)}";
        }
        else if (DroppedFor.Match(line) is { Success: true } d)
        {
            key = "dropped " + d.Groups["to"].Value;
        }
        else
        {
            return false;
        }

        if (lastRefusal.TryGetValue(key, out var last) && at >= last && at - last < RefusalQuiet)
        {
            return true;
        }

        lastRefusal[key] = at;
        return false;
    }

    /// <summary>"[::ffff:127.0.0.1]:P", how the transport names an IPv4 peer of a dual-stack listener, as "127.0.0.1:P".</summary>
    private static readonly System.Text.RegularExpressions.Regex MappedIPv4 = new(@"\[::ffff:(?<ip>\d{1,3}(\.\d{1,3}){3})\]", System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    /// <summary>A remoting client (`status`, `submit`, …) is a system of this name; its connection ending is no news.</summary>
    private const string ClientSystem = "rnncluster-client";

    /// <summary>
    /// The line printed for <paramref name="e"/>, or null when it says nothing another line does not. A
    /// connection refused over TLS is one line on the refusing side, "TLS: refused the remoting connection
    /// of PEER: why": the certificate check logs it itself (<see cref="Security.ClusterTls"/>), and a peer
    /// without TLS, or with TLS against a plain node, is said so here in place of the transport's three
    /// events (the codec's error, "TLS handshake failed …", "Rejected incoming connection …"). Any other
    /// failed handshake, which Akka reports with troubleshooting hints and a stack trace, becomes one line;
    /// so does any other event that carries a stack trace, unless it is an error from outside remoting
    /// (<see cref="IsTransport"/>): remoting's "association failed … Disassociated" when a peer goes away
    /// or is refused, a transport codec's error. Errors of other classes and causes (bugs) print as Akka
    /// formats them, stack trace included.
    /// </summary>
    public static string? OneLine(LogEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = MappedIPv4.Replace(e.Message?.ToString() ?? string.Empty, "${ip}");
        var cause = e is Error { Cause: { } c } ? c : null;
        if (EndsClientConnection(e, message) || RepeatsDisassociation(e))
        {
            return null;
        }

        if (TransportRefusal(message, cause) is { } refusal)
        {
            return refusal.Length == 0 ? null : $"[WARNING][{e.Timestamp:MM/dd/yyyy HH:mm:ss.fff}Z][{e.LogSource}] {refusal}";
        }

        if (message.StartsWith("TLS: refused", StringComparison.Ordinal))
        {
            return $"[WARNING][{e.Timestamp:MM/dd/yyyy HH:mm:ss.fff}Z][{e.LogSource}] {message}";
        }

        if (NonLocalRecipient.Match(message) is { Success: true } dropped)
        {
            return $"[WARNING][{e.Timestamp:MM/dd/yyyy HH:mm:ss.fff}Z][{e.LogSource}] dropped messages addressed to {dropped.Groups["to"].Value}: this node answers only as {dropped.Groups["inbound"].Value}, the address it advertises (its --public-host, else --host); a client or node must name it so";
        }

        if (!message.StartsWith("TLS handshake failed", StringComparison.Ordinal) && !IsTls(cause) && !message.Contains("TLS handshake failure", StringComparison.Ordinal))
        {
            var formatted = MappedIPv4.Replace(e.ToString(), "${ip}"); // as the message: its peers as 127.0.0.1:P
            return (e is not Error || IsTransport(cause?.GetType()) || IsTransport(e.LogClass)) && formatted.Contains('\n', StringComparison.Ordinal)
                ? WithoutStackFrames(formatted)
                : formatted;
        }

        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var error = lines.FirstOrDefault(l => l.StartsWith("Error:", StringComparison.Ordinal))
            ?? (cause is null ? string.Empty : $"{cause.GetType().Name}: {cause.Message.Split('\n')[0].Trim()}");
        var first = lines.Length > 0 ? lines[0] : string.Empty;
        return $"[{e.LogLevel().ToString().Replace("Level", string.Empty, StringComparison.Ordinal).ToUpperInvariant()}][{e.Timestamp:MM/dd/yyyy HH:mm:ss.fff}Z][{e.LogSource}] {first}{(error.Length > 0 ? " — " + error : string.Empty)}";
    }

    /// <summary>
    /// True for remoting's events about a client's connection that ended (a <c>status</c> or <c>submit</c>
    /// that got its answer and stopped): "Association with … rnncluster-client… has failed … Disassociated",
    /// the endpoint writer's "Disassociated" error, "Removing receive buffers for … rnncluster-client…".
    /// </summary>
    private static bool EndsClientConnection(LogEvent e, string message)
    {
        var ofClient = message.Contains($"//{ClientSystem}@", StringComparison.Ordinal)
            || e.LogSource?.Contains($"%2F%2F{ClientSystem}%40", StringComparison.Ordinal) == true;
        return ofClient && (message.Contains("Disassociated", StringComparison.Ordinal)
            || message.StartsWith("Removing receive buffers", StringComparison.Ordinal)
            || (e is Error { Cause: { } cause } && cause.GetType().Name == "EndpointDisassociatedException"));
    }

    /// <summary>
    /// True for the endpoint writer's "Disassociated" error (an EndpointDisassociatedException, with its
    /// stack trace): the warning "Association with remote system X has failed; address is now gated …
    /// Disassociated" just before it names the peer and says the same.
    /// </summary>
    private static bool RepeatsDisassociation(LogEvent e)
        => e is Error { Cause: { } cause } && cause.GetType().Name == "EndpointDisassociatedException"
            && e.Message?.ToString()?.StartsWith("Disassociated", StringComparison.Ordinal) == true;

    /// <summary>
    /// For the transport's events about a connection refused over TLS: the refusal line's text, or empty
    /// when the event repeats what another line says (null: not such an event).
    /// </summary>
    private static string? TransportRefusal(string message, Exception? cause)
    {
        if (message.StartsWith("Rejected incoming connection from", StringComparison.Ordinal) && message.Contains("TLS handshake failure", StringComparison.Ordinal))
        {
            return string.Empty; // follows "TLS handshake failed on channel …"
        }

        const string notTlsRecord = "not an SSL/TLS record";
        var notTls = message.Contains(notTlsRecord, StringComparison.Ordinal) || cause?.GetType().Name == "NotSslRecordException" || cause?.Message.Contains(notTlsRecord, StringComparison.Ordinal) == true;
        if (message.StartsWith("Error caught channel", StringComparison.Ordinal) && notTls)
        {
            return string.Empty; // followed by "TLS handshake failed on channel …"
        }

        if (message.StartsWith("TLS handshake failed", StringComparison.Ordinal))
        {
            if (message.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal))
            {
                return string.Empty; // the certificate check logged who and why
            }

            return notTls ? $"TLS: refused the remoting connection of {Peer(message)}: it does not speak TLS (a node or client started without --tls)" : null;
        }

        if (message.StartsWith("Error caught channel", StringComparison.Ordinal) && cause?.GetType().Name == "TooLongFrameException")
        {
            return $"refused the remoting connection of {Peer(message)}: it sent a TLS handshake or other bytes that are not remoting frames (a node or client started with --tls, or one checking why this node is slow to answer); this node speaks plain TCP";
        }

        const string noCertificate = "Mutual TLS required but client did not provide a certificate from ";
        if (message.StartsWith(noCertificate, StringComparison.Ordinal))
        {
            return $"TLS: refused the remoting connection of {message[noCertificate.Length..].Trim()}: it presented no certificate (a node or client without --tls checking whether this node speaks TLS)";
        }

        return null;
    }

    /// <summary>The remote end of a transport event's channel, or "a peer".</summary>
    private static string Peer(string message) => ChannelPeer.Match(message) is { Success: true } m ? m.Groups["remote"].Value : "a peer";

    /// <summary>
    /// True for remoting's and its transport's types (Akka.Remote, DotNetty), as the logging class or the
    /// cause of an event: an association that failed or was dropped ("Disassociated"), bytes on a
    /// remoting port that are not remoting frames (a TLS client's hello on a plain node: "Adjusted frame
    /// length exceeds …"). Their stack frames say nothing to an operator.
    /// </summary>
    private static bool IsTransport(Type? type) => type?.Namespace is { } name
        && (name.StartsWith("DotNetty", StringComparison.Ordinal) || name.StartsWith("Akka.Remote", StringComparison.Ordinal));

    /// <summary>The lines of <paramref name="text"/> that are not stack frames, joined into one.</summary>
    private static string WithoutStackFrames(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Where(l => !l.StartsWith("at ", StringComparison.Ordinal) && !l.StartsWith("--- End of", StringComparison.Ordinal)));

    /// <summary>True when <paramref name="cause"/> (or an inner exception) is a TLS failure: a refused certificate, or a peer that does not speak TLS.</summary>
    private static bool IsTls(Exception? cause)
    {
        for (var e = cause; e is not null; e = e.InnerException)
        {
            var name = e.GetType().Name;
            if (e is System.Security.Authentication.AuthenticationException || name.Contains("Ssl", StringComparison.Ordinal) || name.Contains("Tls", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Prints the lines held back so far for <paramref name="system"/> and every later one at once (unless <see cref="Discard"/> came first).</summary>
    public static void StartPrinting(ActorSystem system)
    {
        Interlocked.CompareExchange(ref _fallbackState, FallbackPrinting, FallbackHeld);
        Gates.GetValue(system, _ => new Gate()).Open();
    }

    /// <summary>
    /// Drops the lines held back so far for <paramref name="system"/> and every later one: a node that
    /// stops before it joined, for a reason the CLI prints in one line (a TLS mismatch with its seeds),
    /// prints that line alone.
    /// </summary>
    public static void Discard(ActorSystem system)
    {
        Volatile.Write(ref _fallbackState, FallbackDiscarded);
        Gates.GetValue(system, _ => new Gate()).Close();
    }

    /// <summary>
    /// Whether <see cref="StandardErrorFallbackLogger"/> prints: only once a node of this process has
    /// started printing (<see cref="StartPrinting"/>), and never after <see cref="Discard"/>, so a node
    /// that could not start or was refused still ends with the CLI's one line.
    /// </summary>
    internal static bool FallbackPrints => Volatile.Read(ref _fallbackState) == FallbackPrinting;

    private sealed class Gate
    {
        private readonly Queue<string> _held = new();
        private bool _open;
        private bool _closed;

        public void Write(string line)
        {
            lock (_held)
            {
                if (_closed)
                {
                    return;
                }

                if (!_open)
                {
                    if (_held.Count < MaxHeldLines)
                    {
                        _held.Enqueue(line);
                    }

                    return;
                }
            }

            Console.Error.WriteLine(line);
        }

        public void Close()
        {
            lock (_held)
            {
                _closed = true;
                _held.Clear();
            }
        }

        public void Open()
        {
            lock (_held)
            {
                if (_closed)
                {
                    return;
                }

                _open = true;
                while (_held.TryDequeue(out var line))
                {
                    Console.Error.WriteLine(line);
                }
            }
        }
    }
}
