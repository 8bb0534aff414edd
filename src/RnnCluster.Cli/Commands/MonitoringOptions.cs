using System.CommandLine;

namespace RnnCluster.Cli.Commands;

/// <summary>The monitoring flags of <c>node</c> and <c>local</c> (they apply to coordinator nodes).</summary>
public sealed class MonitoringOptions
{
    /// <summary>Where job metrics go when neither --log-dir nor $RNNCLUSTER_LOG_DIR says.</summary>
    public const string DefaultLogDir = "rnncluster-runs";

    public Option<string> LogDir { get; } = new("--log-dir")
    {
        Description = $"a coordinator writes each job's metrics.jsonl and plots (perplexity.png, throughput.png, step-time.png) into DIR/JOB_ID [default: $RNNCLUSTER_LOG_DIR, else ./{DefaultLogDir}]",
        DefaultValueFactory = _ => NodeEnvironment.Get("LOG_DIR") ?? DefaultLogDir,
    };

    public void AddTo(Command command) => command.Options.Add(LogDir);
}
