using System.Diagnostics;

namespace RnnCluster.Benchmarks;

/// <summary>Runs an outside program (apt-get, fasttext …) and returns its standard output.</summary>
public static class Shell
{
    /// <exception cref="InvalidOperationException">When it exits non-zero (the message carries its standard error).</exception>
    public static string Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? stdout : throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {stderr.Result}");
    }

    /// <summary>As <see cref="Run"/>, returning standard output and standard error (progress such as fastText's goes there).</summary>
    /// <exception cref="InvalidOperationException">When it exits non-zero.</exception>
    public static (string Stdout, string Stderr) RunBoth(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? (stdout, stderr.Result) : throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {stderr.Result}");
    }
}
