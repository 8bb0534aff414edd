using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace RnnCluster.Cluster.Hosting;

/// <summary>
/// Akka's log sink for every node: log lines go to standard error, so a node's standard output holds
/// only what the CLI prints there (its "node up" line; JSON with <c>--json</c>). Until the node has
/// started (<see cref="StartPrinting"/>) lines are held back: a node that cannot start (a port taken,
/// say) ends with the CLI's one-line reason, not with Akka's stack traces; one that starts prints them.
/// </summary>
public sealed class StandardErrorLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private const int MaxHeldLines = 1000;
    private static readonly ConditionalWeakTable<ActorSystem, Gate> Gates = [];

    public StandardErrorLogger()
    {
        var gate = Gates.GetValue(Context.System, _ => new Gate());
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => gate.Write(OneLine(e)));
    }

    /// <summary>
    /// The line printed for <paramref name="e"/>. A failed TLS handshake, which Akka reports with
    /// troubleshooting hints and a stack trace, becomes one line (the refusing side has also logged why,
    /// see <see cref="Security.ClusterTls"/>); so does any other event that carries a stack trace, unless
    /// it is an error from outside remoting (<see cref="IsTransport"/>): remoting's "association failed …
    /// Disassociated" when a peer goes away or is refused, a transport codec's error. Errors of other
    /// classes and causes (bugs) print as Akka formats them, stack trace included.
    /// </summary>
    public static string OneLine(LogEvent e)
    {
        var message = e.Message?.ToString() ?? string.Empty;
        var cause = e is Error { Cause: { } c } ? c : null;
        if (!message.StartsWith("TLS handshake failed", StringComparison.Ordinal) && !IsTls(cause) && !message.Contains("TLS handshake failure", StringComparison.Ordinal))
        {
            var formatted = e.ToString();
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

    /// <summary>Prints the lines held back so far for <paramref name="system"/> and every later one at once.</summary>
    public static void StartPrinting(ActorSystem system) => Gates.GetValue(system, _ => new Gate()).Open();

    private sealed class Gate
    {
        private readonly Queue<string> _held = new();
        private bool _open;

        public void Write(string line)
        {
            lock (_held)
            {
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

        public void Open()
        {
            lock (_held)
            {
                _open = true;
                while (_held.TryDequeue(out var line))
                {
                    Console.Error.WriteLine(line);
                }
            }
        }
    }
}
