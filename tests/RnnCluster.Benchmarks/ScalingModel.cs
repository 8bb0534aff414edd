using System.Globalization;
using System.Text.Json;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace RnnCluster.Benchmarks;

/// <summary>
/// A small model of a sync step, fitted to the namespace runs and used to project weak scaling:
/// <c>step(N, B) = C + V(N) / B + L(N)</c>, where C is the slowest worker's compute per step (one
/// worker alone on its core), V(N) the bytes the busiest link must carry one after another per step,
/// B the link's rate and L(N) what is left (message latency, decoding, summing, applying). L is
/// bracketed: <c>constant</c> keeps the residual measured at 2 workers (the smallest full protocol;
/// on 2 cores the larger runs oversubscribe the CPU), <c>growing</c> is L₀ + l·(N − 1) fitted by least
/// squares to every run's residual (the growth measured here, CPU contention included). The central server's link
/// sends every worker its weights and then receives every gradient: V(N) = N·W (W: one worker's
/// weights plus gradient, measured). A sharded server's worker link sends and receives gradient slices
/// at once, then weight slices: V(N) = 2·(N − 1)/N·D, the larger direction (D from the 2-worker runs:
/// V(2) = D). Efficiency is C / step: the weak-scaling throughput per worker against one worker
/// computing alone with nothing to send.
/// </summary>
public sealed class ScalingModel
{
    /// <summary>PyTorch DDP (gloo all-reduce), 8 single-thread workers on a 16-core host: 61% (the anchor).</summary>
    public const double DdpEfficiencyAt8 = 0.61;

    private readonly Dictionary<string, (double AtTwo, double L0, double PerWorker)> _overhead;

    private ScalingModel(double computeMs, double centralWorkerMb, double shardedDenseMb, int tokensPerWorkerStep,
        Dictionary<string, (double AtTwo, double L0, double PerWorker)> overhead)
    {
        ComputeMs = computeMs;
        CentralWorkerMb = centralWorkerMb;
        ShardedDenseMb = shardedDenseMb;
        TokensPerWorkerStep = tokensPerWorkerStep;
        _overhead = overhead;
    }

    /// <summary>C: one worker's compute per step, milliseconds.</summary>
    public double ComputeMs { get; }

    /// <summary>W: megabytes (10⁶ bytes) per worker per step through a central server's link, down plus up.</summary>
    public double CentralWorkerMb { get; }

    /// <summary>D: megabytes per step the sharded server moves through a worker's link at 2 workers, one direction.</summary>
    public double ShardedDenseMb { get; }

    public int TokensPerWorkerStep { get; }

    /// <summary>Fits the model to <paramref name="runs"/> (which must include 1 and 2 workers of each placement).</summary>
    public static ScalingModel Fit(IReadOnlyList<Run> runs, int tokensPerWorkerStep)
    {
        var compute = Median(runs.Where(r => r.Workers == 1).Select(r => r.ComputeMs));
        var central = Median(runs.Where(r => r.Placement == "central").Select(r => r.LinkMb / r.Workers));
        var sharded = Median(runs.Where(r => r.Placement == "sharded" && r.Workers == 2).Select(r => r.LinkMb));
        var overhead = new Dictionary<string, (double, double, double)>(StringComparer.Ordinal);
        foreach (var placement in new[] { "central", "sharded" })
        {
            // Residual after compute and transfer: at 2 workers, and fitted as L0 + l·(N − 1).
            var points = runs.Where(r => r.Placement == placement)
                .Select(r => (X: r.Workers - 1.0, Y: r.StepMs - r.ComputeMs - TransferMs(r.LinkMb, r.Gigabits)))
                .ToList();
            var atTwo = Median(points.Where(p => p.X == 1).Select(p => p.Y));
            var (l0, perWorker) = LeastSquares(points);
            overhead[placement] = (atTwo, l0, perWorker);
        }

        return new ScalingModel(compute, central, sharded, tokensPerWorkerStep, overhead);
    }

    /// <summary>Milliseconds to move <paramref name="mb"/> megabytes over a link of <paramref name="gigabits"/> Gbit/s.</summary>
    public static double TransferMs(double mb, double gigabits) => mb * 1e6 * 8 / (gigabits * 1e9) * 1e3;

    /// <summary>
    /// The modelled step of <paramref name="workers"/> workers on links of <paramref name="gigabits"/>
    /// Gbit/s, milliseconds; <paramref name="growing"/> picks the residual that grows with N.
    /// </summary>
    public double StepMs(string placement, int workers, double gigabits, bool growing = false)
    {
        var linkMb = placement == "central" ? workers * CentralWorkerMb : 2.0 * (workers - 1) / workers * ShardedDenseMb;
        var (atTwo, l0, perWorker) = _overhead[placement];
        var residual = growing ? l0 + (perWorker * (workers - 1)) : atTwo;
        return ComputeMs + TransferMs(linkMb, gigabits) + Math.Max(0, residual);
    }

    public double Efficiency(string placement, int workers, double gigabits, bool growing = false)
        => ComputeMs / StepMs(placement, workers, gigabits, growing);

    public object Describe() => new
    {
        compute_ms = Math.Round(ComputeMs, 1),
        central_mb_per_worker = Math.Round(CentralWorkerMb, 2),
        sharded_mb_at_2 = Math.Round(ShardedDenseMb, 2),
        residual_ms = _overhead.ToDictionary(kv => kv.Key, kv => new
        {
            at_2_workers = Math.Round(kv.Value.AtTwo, 1),
            fitted_l0 = Math.Round(kv.Value.L0, 1),
            fitted_per_worker = Math.Round(kv.Value.PerWorker, 2),
        }),
    };

    public IEnumerable<object> Project(int[] workers, double[] gigabits) =>
        from g in gigabits
        from n in workers
        select new
        {
            gigabits = g,
            workers = n,
            central_efficiency = Math.Round(Efficiency("central", n, g), 3),
            sharded_efficiency = Math.Round(Efficiency("sharded", n, g), 3),
            sharded_efficiency_growing_residual = Math.Round(Efficiency("sharded", n, g, growing: true), 3),
            sharded_tokens_per_sec = Math.Round(n * TokensPerWorkerStep / StepMs("sharded", n, g) * 1e3),
        };

    /// <summary>Writes efficiency against workers (central and sharded at 10 and 25 GbE, and the DDP anchor) as SVG.</summary>
    public void WritePlot(string path)
    {
        var plot = new PlotModel { Title = "Projected weak-scaling efficiency, PTB small, 20 streams per worker", Background = OxyColors.White };
        plot.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomLeft });
        plot.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "workers", Minimum = 1, Maximum = 64, Base = 2 });
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "efficiency (per-worker throughput / one worker alone)", Minimum = 0, Maximum = 1.05 });
        var sizes = new[] { 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64 };
        foreach (var (placement, growing) in new[] { ("sharded", false), ("sharded", true), ("central", false) })
        {
            foreach (var g in new[] { 25.0, 10.0 })
            {
                var title = $"{placement}, {g} GbE" + (growing ? ", residual growing as measured" : string.Empty);
                var series = new LineSeries { Title = title, LineStyle = placement == "central" ? LineStyle.Dash : growing ? LineStyle.Dot : LineStyle.Solid };
                series.Points.AddRange(sizes.Select(n => new DataPoint(n, Efficiency(placement, n, g, growing))));
                plot.Series.Add(series);
            }
        }

        var ddp = new ScatterSeries { Title = "PyTorch DDP (gloo), measured", MarkerType = MarkerType.Diamond, MarkerSize = 6 };
        ddp.Points.Add(new ScatterPoint(8, DdpEfficiencyAt8));
        plot.Series.Add(ddp);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = File.Create(path);
        new SvgExporter { Width = 800, Height = 480 }.Export(plot, file);
    }

    private static (double L0, double PerWorker) LeastSquares(IReadOnlyList<(double X, double Y)> points)
    {
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        var slope = sxx == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        return (my - (slope * mx), slope);
    }

    private static double Median(IEnumerable<double> values) => StepProfile.Median([.. values]);

    /// <summary>One measured namespace run: its job summary's step timings.</summary>
    public sealed record Run(string Placement, int Workers, double Gigabits, double TokensPerSec, double StepMs, double ComputeMs, double LinkMb, double CoordinatorPeakRssMb, double WorkerPeakRssMb)
    {
        /// <summary>
        /// The busiest link's megabytes in sequence: the coordinator's for the central server (weights
        /// down, then gradients up), a worker's for the sharded one (both directions at once: the larger).
        /// </summary>
        public static Run From(JsonElement summary, int workers, double gigabits, string psPlacement)
        {
            var t = summary.GetProperty("step_timings");
            var central = psPlacement == "coordinator";
            double Get(string name) => t.GetProperty(name).GetDouble();
            var link = central ? Get("mb_down") + Get("mb_up") : Math.Max(Get("worker_mb_sent"), Get("worker_mb_received"));
            return new Run(central ? "central" : "sharded", workers, gigabits, summary.GetProperty("tokens_per_sec").GetDouble(),
                Get("step_ms"), Get("slowest_compute_ms"), link,
                summary.GetProperty("peak_rss_mb_coordinator").GetDouble(), summary.GetProperty("peak_rss_mb_worker").GetDouble());
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Placement} {Workers} @ {Gigabits} Gbit/s");
    }
}
