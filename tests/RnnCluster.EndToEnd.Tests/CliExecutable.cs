using System.Diagnostics;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// The built <c>rnncluster</c> program, run as <c>dotnet rnncluster.dll ARGS</c>: the ReadyToRun copy
/// a Release build publishes into <c>cli/</c> when it is there (see the project file), else the one the
/// project reference copies next to these tests.
/// </summary>
internal static class CliExecutable
{
    public static string DllPath { get; } = Locate();

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string workingDirectory)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private static string Locate()
    {
        foreach (var directory in new[] { Path.Combine(AppContext.BaseDirectory, "cli"), AppContext.BaseDirectory })
        {
            var dll = Path.Combine(directory, "rnncluster.dll");
            if (File.Exists(dll) && File.Exists(Path.Combine(directory, "rnncluster.runtimeconfig.json")))
            {
                return dll;
            }
        }

        throw new InvalidOperationException($"rnncluster.dll and its runtimeconfig are not in {AppContext.BaseDirectory}; build the test project");
    }
}
