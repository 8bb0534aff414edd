using System.Diagnostics;
using System.Text.Json;

namespace RnnCluster.Benchmarks;

/// <summary>Runs the built <c>rnncluster</c> CLI with <c>--json</c> and returns its final summary event.</summary>
public static class CliRunner
{
    public static JsonElement Summary(string repoRoot, string arguments) => Summary(repoRoot, arguments, _ => { });

    /// <summary>As <see cref="Summary(string, string)"/>, showing <paramref name="onEvent"/> every JSON event as it arrives.</summary>
    public static JsonElement Summary(string repoRoot, string arguments, Action<JsonElement> onEvent)
    {
        var start = new ProcessStartInfo("dotnet", $"{SpeedComparison.CliPath(repoRoot)} {arguments} --json")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        JsonElement? summary = null;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            var element = JsonDocument.Parse(line).RootElement;
            onEvent(element);
            if (element.TryGetProperty("event", out var e) && e.GetString() == "summary")
            {
                summary = element.Clone();
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0 || summary is null)
        {
            throw new InvalidOperationException($"rnncluster {arguments} failed ({process.ExitCode}): {stderr.Result}");
        }

        return summary.Value;
    }
}
