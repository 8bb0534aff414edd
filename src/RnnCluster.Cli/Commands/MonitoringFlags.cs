using System.CommandLine;
using RnnCluster.Monitoring;

namespace RnnCluster.Cli.Commands;

/// <summary>The monitoring flags of <c>node</c> and <c>local</c> (they apply to coordinator nodes).</summary>
public sealed class MonitoringFlags
{
    /// <summary>Where job metrics go when neither --log-dir nor $RNNCLUSTER_LOG_DIR says.</summary>
    public const string DefaultLogDir = "rnncluster-runs";

    /// <summary>The dashboard's port when neither --http-port nor $RNNCLUSTER_HTTP_PORT says.</summary>
    public const int DefaultHttpPort = 8053;

    public Option<string?> LogDir { get; } = new("--log-dir")
    {
        Description = $"a coordinator writes each job's metrics.jsonl and plots (perplexity.png, throughput.png, step-time.png) into DIR/JOB_ID; none: no metrics logs [default: $RNNCLUSTER_LOG_DIR, else ./{DefaultLogDir}]",
    };

    public Option<int?> HttpPort { get; } = new("--http-port")
    {
        Description = $"a coordinator serves the dashboard, its JSON API and Prometheus /metrics on this port, bound where remoting binds (0: a free port; -1: none) [default: $RNNCLUSTER_HTTP_PORT, else {DefaultHttpPort}]",
    };

    public Option<bool> AllowCancel { get; } = new("--http-allow-cancel")
    {
        Description = "let the dashboard cancel jobs (POST /api/jobs/ID/cancel); without it the dashboard is read-only",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(LogDir);
        command.Options.Add(HttpPort);
        command.Options.Add(AllowCancel);
    }

    /// <summary>The options a coordinator node gets; <paramref name="freePortIfTaken"/> for <c>local</c>, which takes a free port when the default one is busy.</summary>
    /// <exception cref="ArgumentException">When --http-port is out of range.</exception>
    public MonitoringOptions Bind(ParseResult result, bool freePortIfTaken = false)
    {
        var givenPort = result.GetValue(HttpPort);
        var port = givenPort ?? NodeEnvironment.Port("HTTP_PORT", "--http-port", allowsNone: true) ?? DefaultHttpPort;
        if (port is < -1 or > 65535)
        {
            throw new ArgumentException($"--http-port {port} is out of range (-1 for none, 0 for a free port, or 1..65535)");
        }

        var given = result.GetValue(LogDir) ?? NodeEnvironment.Get("LOG_DIR") ?? DefaultLogDir;
        if (string.IsNullOrWhiteSpace(given))
        {
            throw new ArgumentException("--log-dir: the path is empty (give a directory, or none for no metrics logs)");
        }

        var logDir = given is "none" ? null : given;
        return new MonitoringOptions(logDir, port, result.GetValue(AllowCancel), freePortIfTaken && givenPort is null);
    }
}
