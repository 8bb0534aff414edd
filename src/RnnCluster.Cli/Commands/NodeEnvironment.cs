namespace RnnCluster.Cli.Commands;

/// <summary>The RNNCLUSTER_* environment variables that stand in for flags (docker-compose sets them).</summary>
public static class NodeEnvironment
{
    /// <summary>The value of RNNCLUSTER_<paramref name="name"/>, or null when unset or empty.</summary>
    public static string? Get(string name)
    {
        var value = Environment.GetEnvironmentVariable("RNNCLUSTER_" + name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>A comma-separated list (roles, seeds), empty entries dropped.</summary>
    public static IReadOnlyList<string> SplitList(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
