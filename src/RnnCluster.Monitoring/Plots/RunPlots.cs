using RnnCluster.Core.Checkpoints;
using RnnCluster.Monitoring.Metrics;
using ScottPlot;

namespace RnnCluster.Monitoring.Plots;

/// <summary>What <see cref="RunPlots.Overlay"/> draws for each run.</summary>
public enum PlotMetric
{
    /// <summary>Training perplexity per step (thin) and validation perplexity per epoch (markers), log scale.</summary>
    Perplexity,

    /// <summary>Validation perplexity per epoch only, log scale.</summary>
    Valid,

    /// <summary>Tokens per second per step.</summary>
    Throughput,
}

/// <summary>
/// PNG plots of metrics logs (ScottPlot): a run's own plots, written at each epoch end and at the end
/// (<see cref="WriteRunPlots"/>), and several runs overlaid (<see cref="Overlay"/>, the <c>plot</c>
/// command). The x axis is training progress in epochs (<see cref="MetricsRecord.EpochPosition"/>), so
/// runs with different step counts (another mode, another batch) line up. Non-finite values are left out.
/// </summary>
public static class RunPlots
{
    public const string PerplexityFile = "perplexity.png";
    public const string ThroughputFile = "throughput.png";
    public const string StepTimeFile = "step-time.png";

    private const int Width = 900;
    private const int Height = 540;

    /// <summary>
    /// Writes <c>perplexity.png</c>, <c>throughput.png</c> and (for cluster runs, whose steps carry a
    /// time split) <c>step-time.png</c> into <paramref name="directory"/>, each atomically (a temporary
    /// file renamed). Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> WriteRunPlots(IReadOnlyList<MetricsRecord> records, string directory, string title)
    {
        var written = new List<string>
        {
            Save(Draw(PlotMetric.Perplexity, [(title, records)], title), Path.Combine(directory, PerplexityFile)),
            Save(Draw(PlotMetric.Throughput, [(title, records)], title), Path.Combine(directory, ThroughputFile)),
        };
        if (records.Any(r => r.ComputeMs is not null))
        {
            written.Add(Save(StepTime(records, title), Path.Combine(directory, StepTimeFile)));
        }

        return written;
    }

    /// <summary>
    /// Redraws the plots of the run whose log is <paramref name="logPath"/> beside it; returns why it
    /// could not (a file or directory in the way, the native drawing library missing), else null.
    /// </summary>
    public static string? TryRedraw(string logPath, string title)
    {
        try
        {
            WriteRunPlots(MetricsLog.Read(logPath), Path.GetDirectoryName(logPath)!, title);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
        {
            return e.Message;
        }
    }

    /// <summary>Several runs' <paramref name="metric"/> in one PNG at <paramref name="path"/>, one colour per run.</summary>
    public static void Overlay(IReadOnlyList<(string Label, IReadOnlyList<MetricsRecord> Records)> runs, PlotMetric metric, string path) =>
        Save(Draw(metric, runs, title: null), path);

    private static Plot Draw(PlotMetric metric, IReadOnlyList<(string Label, IReadOnlyList<MetricsRecord> Records)> runs, string? title)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double? optimal = null;
        for (var i = 0; i < runs.Count; i++)
        {
            var (label, records) = runs[i];
            var color = palette.GetColor(i);
            optimal ??= records.FirstOrDefault(r => r.OptimalPpl is not null)?.OptimalPpl;
            if (metric == PlotMetric.Throughput)
            {
                AddLine(plot, Throughput(records), label, color, width: 1.5f);
                continue;
            }

            if (metric == PlotMetric.Perplexity)
            {
                AddLine(plot, Points(records, MetricsRecord.StepKind, r => r.TrainPpl, log: true), $"{label} train", color.WithAlpha(0.55), width: 1f);
            }

            var valid = AddLine(plot, Points(records, MetricsRecord.EpochKind, r => r.ValidPpl, log: true), $"{label} valid", color, width: 2f);
            valid.MarkerSize = 7;
        }

        if (metric == PlotMetric.Throughput)
        {
            plot.YLabel($"tokens/s (over the last {ThroughputSpanSeconds:F0} s of training)");
        }
        else
        {
            if (optimal is { } best && double.IsFinite(best) && best > 0)
            {
                var line = plot.Add.HorizontalLine(Math.Log10(best));
                line.LegendText = $"optimum {best:F2}";
                line.LinePattern = LinePattern.Dashed;
                line.Color = Colors.Gray;
            }

            LogScale(plot, runs.SelectMany(run => run.Records)
                .SelectMany(r => new[] { r.Kind == MetricsRecord.StepKind && metric == PlotMetric.Perplexity ? r.TrainPpl : null, r.ValidPpl })
                .OfType<double>().Where(v => v > 0).Select(Math.Log10).Append(optimal is > 0 ? Math.Log10(optimal.Value) : double.NaN));
            plot.YLabel("perplexity (log scale)");
        }

        plot.XLabel("epoch");
        if (title is not null)
        {
            plot.Title(title);
        }

        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static Plot StepTime(IReadOnlyList<MetricsRecord> records, string title)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        (string Name, Func<MetricsRecord, double?> Value)[] parts =
        [
            ("compute", r => r.ComputeMs),
            ("wait (stragglers)", r => r.WaitMs),
            ("communication", r => r.CommunicationMs),
            ("update", r => r.UpdateMs),
        ];
        for (var i = 0; i < parts.Length; i++)
        {
            AddLine(plot, Points(records, MetricsRecord.StepKind, parts[i].Value, log: false), parts[i].Name, palette.GetColor(i), width: 1.2f);
        }

        // The first steps (JIT, connections) and epoch ends (a gather of the weights) can take 10–100 times
        // a usual step; the axis shows usual steps and lets those run off the top.
        var totals = records.Where(r => r.Kind == MetricsRecord.StepKind && r.ComputeMs is not null)
            .Select(r => (r.ComputeMs ?? 0) + (r.WaitMs ?? 0) + (r.CommunicationMs ?? 0) + (r.UpdateMs ?? 0)).Order().ToList();
        if (totals.Count > 0)
        {
            plot.Axes.SetLimitsY(0, Math.Max(1, totals[(int)(0.98 * (totals.Count - 1))] * 1.3));
        }

        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("ms per step (outliers above the 98th percentile cut)");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Seconds of training the throughput curve averages over: steps are too short to show alone.</summary>
    private const double ThroughputSpanSeconds = 2;

    /// <summary>
    /// Tokens/s between each step and the step about <see cref="ThroughputSpanSeconds"/> of training
    /// before it (from the records' run totals, so a slowdown shows at once); a log without totals
    /// (older logs) gives the run's running average instead. Steps redone after a resume restart the span.
    /// </summary>
    private static (double[] X, double[] Y) Throughput(IReadOnlyList<MetricsRecord> records)
    {
        var steps = records.Where(r => r.Kind == MetricsRecord.StepKind && r.EpochPosition is not null).ToList();
        if (!steps.Any(r => r.Tokens is not null && r.TrainSeconds is not null))
        {
            return Points(records, MetricsRecord.StepKind, r => r.TokensPerSec, log: false);
        }

        var xs = new List<double>();
        var ys = new List<double>();
        var window = new Queue<MetricsRecord>();
        foreach (var step in steps.Where(r => r.Tokens is not null && r.TrainSeconds is not null))
        {
            if (window.Count > 0 && (step.Tokens <= window.Last().Tokens || step.TrainSeconds <= window.Last().TrainSeconds))
            {
                window.Clear();
            }

            window.Enqueue(step);
            while (window.Count > 2 && step.TrainSeconds!.Value - window.ElementAt(1).TrainSeconds!.Value >= ThroughputSpanSeconds)
            {
                window.Dequeue();
            }

            var first = window.Peek();
            var seconds = step.TrainSeconds!.Value - first.TrainSeconds!.Value;
            if (window.Count > 1 && seconds > 0)
            {
                xs.Add(step.EpochPosition!.Value);
                ys.Add((step.Tokens!.Value - first.Tokens!.Value) / seconds);
            }
        }

        return (xs.ToArray(), ys.ToArray());
    }

    private static (double[] X, double[] Y) Points(IReadOnlyList<MetricsRecord> records, string kind, Func<MetricsRecord, double?> value, bool log)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        double? lastStep = null;
        foreach (var record in records)
        {
            if (record.Kind == MetricsRecord.StepKind)
            {
                lastStep = record.EpochPosition ?? lastStep;
            }

            // An epoch cut short by --max-steps ends where its last step was, not at its number.
            var position = record.Kind == MetricsRecord.EpochKind && lastStep is { } last && last < record.Epoch ? last : record.EpochPosition;
            if (record.Kind == kind && position is { } x && value(record) is { } y && double.IsFinite(y) && (!log || y > 0))
            {
                xs.Add(x);
                ys.Add(log ? Math.Log10(y) : y);
            }
        }

        return (xs.ToArray(), ys.ToArray());
    }

    private static ScottPlot.Plottables.Scatter AddLine(Plot plot, (double[] X, double[] Y) points, string label, Color color, float width)
    {
        var scatter = plot.Add.Scatter(points.X, points.Y, color);
        scatter.LegendText = points.X.Length > 0 ? label : $"{label} (no points)";
        scatter.LineWidth = width;
        scatter.MarkerSize = points.X.Length == 1 ? 7 : 0;
        return scatter;
    }

    /// <summary>
    /// Values were plotted as log10: major ticks at round values (1, 2, 5 × 10ᵏ, finer when the range
    /// is narrow) labelled with the values themselves.
    /// </summary>
    private static void LogScale(Plot plot, IEnumerable<double> logValues)
    {
        var values = logValues.Where(double.IsFinite).ToList();
        if (values.Count == 0)
        {
            return;
        }

        double low = values.Min(), high = values.Max();
        double[][] steps = [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7], [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]];
        var ticks = new List<double>();
        foreach (var multipliers in steps)
        {
            ticks = [];
            for (var k = (int)Math.Floor(low) - 1; k <= (int)Math.Ceiling(high); k++)
            {
                ticks.AddRange(multipliers.Select(m => Math.Log10(m) + k).Where(t => t >= low - 0.02 && t <= high + 0.02));
            }

            if (ticks.Count >= 4)
            {
                break;
            }
        }

        var generator = new ScottPlot.TickGenerators.NumericManual();
        foreach (var tick in ticks)
        {
            generator.AddMajor(tick, Math.Pow(10, tick) is var value && value >= 1000 ? $"{value:N0}" : $"{value:G3}");
        }

        plot.Axes.Left.TickGenerator = generator;
    }

    /// <summary>Writes <paramref name="plot"/> as a PNG at <paramref name="path"/> atomically; returns the full path.</summary>
    internal static string Save(Plot plot, string path, int width = Width, int height = Height)
    {
        var full = Path.GetFullPath(path);
        var png = plot.GetImage(width, height).GetImageBytes(ImageFormat.Png);
        AtomicFile.Write(full, stream => stream.Write(png));
        return full;
    }
}
