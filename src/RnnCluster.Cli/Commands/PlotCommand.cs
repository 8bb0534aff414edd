using System.CommandLine;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Monitoring.Metrics;
using RnnCluster.Monitoring.Plots;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// <c>rnncluster plot RUN… --out FILE.png</c>: several runs' metrics logs (run directories written by
/// <c>train --log-dir</c> or a cluster coordinator, or <c>metrics.jsonl</c> files) overlaid in one PNG.
/// </summary>
public static class PlotCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("RUN") { Description = "run directories (holding metrics.jsonl) or metrics.jsonl files", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "the PNG file to write", Required = true };
        var metric = new Option<string>("--metric") { Description = "perplexity (training per step and validation per epoch) | valid (validation only) | throughput (tokens/s)", DefaultValueFactory = _ => "perplexity" };
        var labels = new Option<string[]>("--label") { Description = "a legend name per run, in order (default: each run's directory name)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("plot", "Overlay the training curves of several runs in one PNG (e.g. sync against local SGD, or RNN against LSTM).") { runs, output, metric, labels };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            var paths = result.GetValue(runs)!;
            var names = result.GetValue(labels) ?? [];
            if (names.Length > 0 && names.Length != paths.Length)
            {
                throw new ArgumentException($"--label: {names.Length} label(s) for {paths.Length} run(s); give one per run or none");
            }

            var kind = result.GetValue(metric) switch
            {
                "perplexity" => PlotMetric.Perplexity,
                "valid" => PlotMetric.Valid,
                "throughput" => PlotMetric.Throughput,
                var other => throw new ArgumentException($"--metric {Core.Text.QuotedText.Quote(other!)}: expected perplexity, valid or throughput"),
            };
            var outPath = result.GetValue(output)!;
            if (!outPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"--out {outPath}: plots are PNG files; name it *.png");
            }

            OutputPath.CheckFile(outPath, "--out");
            var loaded = new List<(string Label, IReadOnlyList<MetricsRecord> Records)>();
            for (var i = 0; i < paths.Length; i++)
            {
                var label = names.Length > 0 ? names[i] : RunName(paths[i]);
                var (records, damaged) = MetricsLog.ReadChecked(paths[i]);
                if (damaged.Count > 0)
                {
                    Console.Error.WriteLine($"rnncluster: warning: {paths[i]}: skipped {damaged.Count} line(s) that are no metrics record (line {string.Join(", ", damaged.Take(5))}{(damaged.Count > 5 ? ", …" : string.Empty)})");
                }

                loaded.Add((label, records));
            }

            foreach (var (label, records) in loaded.Where(run => !run.Records.Any(r => r.Kind is MetricsRecord.StepKind or MetricsRecord.EpochKind)))
            {
                Console.Error.WriteLine($"rnncluster: warning: run '{label}' has no steps or epochs yet");
            }

            RunPlots.Overlay(Distinct(loaded), kind, outPath);
            Console.WriteLine($"wrote {Path.GetFullPath(outPath)} ({loaded.Count} run(s), {result.GetValue(metric)})");
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>A run's directory name (the directory itself, or the one holding a metrics.jsonl file).</summary>
    private static string RunName(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        return Directory.Exists(full) ? Path.GetFileName(full) : Path.GetFileName(Path.GetDirectoryName(full)) ?? full;
    }

    /// <summary>Equal legend names get " (2)", " (3)"… so every curve can be told apart.</summary>
    private static List<(string Label, IReadOnlyList<MetricsRecord> Records)> Distinct(List<(string Label, IReadOnlyList<MetricsRecord> Records)> runs) =>
        runs.Select((run, i) =>
        {
            var before = runs.Take(i).Count(other => other.Label == run.Label);
            return (before == 0 ? run.Label : $"{run.Label} ({before + 1})", run.Records);
        }).ToList();
}
