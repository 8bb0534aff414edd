using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RnnCluster.Benchmarks;

/// <summary>
/// Train tokens/s of <c>rnncluster train</c> and the PyTorch reference on the same PTB config, run
/// alternately in the same session so both see the same machine; reports medians, the ratio and peak RSS.
/// </summary>
public static partial class SpeedComparison
{
    public static object Run(string repoRoot, string corpus, string cell, int steps, int rounds, int threads)
    {
        var cli = CliPath(repoRoot);
        var reference = Environment.GetEnvironmentVariable("RNNCLUSTER_TORCH_REFERENCE") is { Length: > 0 } script
            ? Path.GetFullPath(script)
            : throw new ArgumentException("set RNNCLUSTER_TORCH_REFERENCE to the PyTorch reference script (torch_lm.py)");
        var ours = new List<double>();
        var torch = new List<double>();
        double oursRss = 0, torchRss = 0;
        for (var round = 0; round < rounds; round++)
        {
            var (oursOut, oursPeak) = Measure("dotnet", $"{cli} train --corpus {corpus} --model {cell} --layers 2 --hidden 200 --batch 20 --bptt 20 --lr 1 --clip 5 --max-steps {steps} --threads {threads} --json");
            var summary = oursOut.Split('\n').Last(l => l.Contains("\"summary\"", StringComparison.Ordinal));
            ours.Add(JsonDocument.Parse(summary).RootElement.GetProperty("tokens_per_sec").GetDouble());
            oursRss = Math.Max(oursRss, oursPeak);
            Console.Error.WriteLine($"round {round + 1}: rnncluster {cell} {ours[^1]:F0} tok/s");
            if (File.Exists(reference))
            {
                var (torchOut, torchPeak) = Measure("/usr/bin/python3", $"{reference} --data {corpus} --cell {cell.ToUpperInvariant()} --max_steps {steps} --threads 1", ("OPENBLAS_NUM_THREADS", "1"));
                var match = TokensPerSecond().Match(torchOut);
                if (match.Success)
                {
                    torch.Add(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
                    torchRss = Math.Max(torchRss, torchPeak);
                    Console.Error.WriteLine($"round {round + 1}: pytorch {cell} {torch[^1]:F0} tok/s");
                }
            }
        }

        var oursMedian = StepProfile.Median(ours);
        var torchMedian = torch.Count > 0 ? StepProfile.Median(torch) : double.NaN;
        return new
        {
            cell,
            steps,
            threads,
            rnncluster_tokens_per_sec = ours,
            pytorch_tokens_per_sec = torch,
            rnncluster_median = Math.Round(oursMedian),
            pytorch_median = Math.Round(torchMedian),
            ratio = Math.Round(oursMedian / torchMedian, 2),
            rnncluster_peak_rss_mb = Math.Round(oursRss),
            pytorch_peak_rss_mb = Math.Round(torchRss),
        };
    }

    public static string CliPath(string repoRoot)
    {
        foreach (var config in new[] { "Release", "Debug" })
        {
            var path = Path.Combine(repoRoot, "src/RnnCluster.Cli/bin", config, "net10.0/rnncluster.dll");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException("build the CLI first: dotnet build -c Release src/RnnCluster.Cli");
    }

    /// <summary>Runs a command under /usr/bin/time, returning its output and peak RSS in MB.</summary>
    private static (string Output, double PeakRssMb) Measure(string program, string arguments, params (string Key, string Value)[] environment)
    {
        var start = new ProcessStartInfo("/usr/bin/time", $"-f \"maxrss_kb=%M\" {program} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var rss = MaxRss().Match(stderr.Result);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {stderr.Result}");
        }

        return (output, rss.Success ? double.Parse(rss.Groups[1].Value, CultureInfo.InvariantCulture) / 1024.0 : double.NaN);
    }

    [GeneratedRegex(@"tok/s (\d+)")]
    private static partial Regex TokensPerSecond();

    [GeneratedRegex(@"maxrss_kb=(\d+)")]
    private static partial Regex MaxRss();
}
