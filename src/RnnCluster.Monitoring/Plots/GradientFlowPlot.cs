using RnnCluster.Core.Diagnostics;
using ScottPlot;

namespace RnnCluster.Monitoring.Plots;

/// <summary>The gradient-flow probe's curves (<c>diagnose --out</c>): ‖∂L_T/∂h‖ (solid) and an LSTM's ‖∂L_T/∂c‖ (dashed) against the lag, log scale.</summary>
public static class GradientFlowPlot
{
    public static void Write(IReadOnlyList<GradientFlow.Result> results, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var logs = new List<double>();
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var color = palette.GetColor(i);
            Add(plot, r.HiddenNorms, $"{r.Model} {r.Stage}: ∂L/∂h", color, LinePattern.Solid, logs);
            if (r.CellNorms is { } cell)
            {
                Add(plot, cell, $"{r.Model} {r.Stage}: ∂L/∂c", color, LinePattern.Dashed, logs);
            }
        }

        if (logs.Count > 0)
        {
            var generator = new ScottPlot.TickGenerators.NumericManual();
            for (var k = (int)Math.Floor(logs.Min()); k <= (int)Math.Ceiling(logs.Max()); k++)
            {
                generator.AddMajor(k, $"1e{k}");
            }

            plot.Axes.Left.TickGenerator = generator;
        }

        plot.Title("gradient flow: ‖∂L_T/∂h_(T−lag)‖, mean over streams and windows");
        plot.XLabel("lag (steps back from the loss)");
        plot.YLabel("gradient norm (log scale)");
        plot.ShowLegend(Alignment.LowerLeft);
        RunPlots.Save(plot, path, 900, 560);
    }

    private static void Add(Plot plot, double[] norms, string label, Color color, LinePattern pattern, List<double> logs)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (var lag = 0; lag < norms.Length; lag++)
        {
            if (norms[lag] > 0 && double.IsFinite(norms[lag]))
            {
                xs.Add(lag);
                ys.Add(Math.Log10(norms[lag]));
            }
        }

        logs.AddRange(ys);
        var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
        line.LegendText = label;
        line.LinePattern = pattern;
        line.LineWidth = 2;
        line.MarkerSize = 0;
    }
}
