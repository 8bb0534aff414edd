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

    /// <summary>
    /// RNNCLUSTER_<paramref name="name"/> as a port number, or null when unset: the values its flag
    /// takes, 0..65535, and −1 (none) when <paramref name="allowsNone"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Naming the variable and the flag it stands in for, when it is not one of those values.</exception>
    public static int? Port(string name, string flag, bool allowsNone = false)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (allowsNone && value == "-1")
        {
            return -1;
        }

        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new ArgumentException($"RNNCLUSTER_{name}={value} (which stands in for {flag}) is not a port number ({(allowsNone ? "-1 for none, " : string.Empty)}0..65535)");
    }

    /// <summary>A comma-separated list (roles, seeds), empty entries dropped.</summary>
    public static IReadOnlyList<string> SplitList(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
