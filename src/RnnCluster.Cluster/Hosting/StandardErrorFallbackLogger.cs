using Akka.Event;

namespace RnnCluster.Cluster.Hosting;

/// <summary>
/// Akka's minimal logger (<c>akka.stdout-logger-class</c>), which prints what comes while no logger
/// actor runs: as a node's actor system stops, Akka prints the last events ("Remoting shut down", a
/// failed TLS handshake) through it, on standard output by default. This one prints them as
/// <see cref="StandardErrorLogger"/> does, on standard error, so standard output stays the CLI's; none
/// before a node of this process started printing its log, or after <see cref="StandardErrorLogger.Discard"/>.
/// </summary>
public sealed class StandardErrorFallbackLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is LogEvent e && StandardErrorLogger.FallbackPrints && StandardErrorLogger.OneLine(e) is { } line)
        {
            Console.Error.WriteLine(line);
        }
    }
}
