using System.Diagnostics;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>Headless Chromium (Debian's <c>chromium</c>, which CI installs) driven from the command line.</summary>
internal static class Chromium
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static string Executable => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("no Chromium: install Debian's `chromium` package (.ci/run does) to run the dashboard's browser test");

    /// <summary>The page's DOM after its scripts ran for <paramref name="scriptMilliseconds"/> of virtual time.</summary>
    public static Task<string> DumpDomAsync(Uri url, int scriptMilliseconds) => RunAsync(["--dump-dom", $"--virtual-time-budget={scriptMilliseconds}", url.ToString()]);

    /// <summary>A PNG screenshot of the page after its scripts ran for <paramref name="scriptMilliseconds"/>.</summary>
    public static Task ScreenshotAsync(Uri url, string path, int scriptMilliseconds) =>
        RunAsync([$"--screenshot={path}", "--window-size=1300,1250", "--hide-scrollbars", $"--virtual-time-budget={scriptMilliseconds}", url.ToString()]);

    private static async Task<string> RunAsync(string[] args)
    {
        var profile = Directory.CreateTempSubdirectory("rnncluster-chromium-").FullName;
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds:F0} s");
            }

            Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {await errors}");
            return await output;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
