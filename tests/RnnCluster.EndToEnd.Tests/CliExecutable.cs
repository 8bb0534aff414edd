using System.Diagnostics;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// The built <c>rnncluster</c> program: the project reference copies rnncluster.dll (with its
/// runtimeconfig) next to these tests, and it runs as <c>dotnet rnncluster.dll ARGS</c>.
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
        var dll = Path.Combine(AppContext.BaseDirectory, "rnncluster.dll");
        var runtimeConfig = Path.Combine(AppContext.BaseDirectory, "rnncluster.runtimeconfig.json");
        return File.Exists(dll) && File.Exists(runtimeConfig)
            ? dll
            : throw new InvalidOperationException($"rnncluster.dll and its runtimeconfig are not in {AppContext.BaseDirectory}; build the test project");
    }
}
