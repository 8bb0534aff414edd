using System.Diagnostics;

namespace RnnCluster.Cli.Commands;

/// <summary>Starts this same program again (for the node processes of <c>local</c>).</summary>
public static class SelfExecutable
{
    /// <summary>
    /// A start description for <c>rnncluster ARGS</c>: the apphost when we run as one, else
    /// <c>dotnet rnncluster.dll ARGS</c>. Standard input, output and error are redirected.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate the rnncluster executable");
        var info = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        if (Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(typeof(SelfExecutable).Assembly.Location);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }
}
