using ScottPlot;

namespace RnnCluster.Monitoring.Plots;

/// <summary>
/// A classifier's confusion matrix as a heatmap: row = true class, column = predicted class; each
/// cell's colour is the share of its row (the class's recall on the diagonal), its text the count.
/// </summary>
public static class ConfusionMatrixPlot
{
    /// <param name="confusion">(K, K) counts, <c>confusion[true][predicted]</c>.</param>
    /// <param name="labels">The K class names, in class-id order.</param>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static void Write(long[][] confusion, IReadOnlyList<string> labels, string title, string path)
    {
        var k = labels.Count;
        var shares = new double[k, k];
        for (var i = 0; i < k; i++)
        {
            var total = Math.Max(1, confusion[i].Sum());
            for (var j = 0; j < k; j++)
            {
                shares[i, j] = (double)confusion[i][j] / total;
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(shares);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Extent = new CoordinateRect(0, k - 1, 0, k - 1); // the centres of the corner cells: cell (i, j) is centred on (j, Row(i))
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var text = plot.Add.Text(confusion[i][j].ToString(System.Globalization.CultureInfo.InvariantCulture), j, Row(i, k));
                text.Alignment = Alignment.MiddleCenter;
                text.LabelFontColor = shares[i, j] > 0.5 ? Colors.Black : Colors.White;
            }
        }

        var columns = new ScottPlot.TickGenerators.NumericManual();
        var rows = new ScottPlot.TickGenerators.NumericManual();
        for (var i = 0; i < k; i++)
        {
            columns.AddMajor(i, labels[i]);
            rows.AddMajor(Row(i, k), labels[i]);
        }

        plot.Axes.Bottom.TickGenerator = columns;
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 130; // room for the rotated class names above the axis label
        plot.Axes.Left.TickGenerator = rows;
        plot.Add.ColorBar(heatmap);
        plot.Title(title);
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        var size = Math.Clamp(160 + (48 * k), 480, 1600);
        RunPlots.Save(plot, path, size + 120, size);
    }

    // The heatmap draws its first row at the top.
    private static double Row(int trueClass, int classes) => classes - 1 - trueClass;
}
