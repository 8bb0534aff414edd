using RnnCluster.Core.Classification;
using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>A classifier's scores: the end of <c>train --task classify</c> and <c>eval</c> of a classifier.</summary>
public static class ClassificationPrinter
{
    /// <summary>The training summary: a <c>summary</c> JSON event with <c>--json</c>, else lines and the per-class table of the test (else validation) documents.</summary>
    /// <param name="cluster">The cluster job's end (workers, memory, step timings); null for `train`.</param>
    public static void PrintSummary(TrainingSummary s, ClassifierEvaluator.Result valid, ClassifierEvaluator.Result? test, IReadOnlyList<string> labels, bool json, string? outPath,
        Cluster.Protocol.JobCompleted? cluster = null)
    {
        var peak = cluster is null ? PeakMemory.ResidentMb() : Math.Max(cluster.CoordinatorPeakRssMb, cluster.WorkerPeakRssMb);
        if (json)
        {
            JsonEvents.Write("summary", new
            {
                task = "classify",
                docs_per_sec = Math.Round(s.TokensPerSecond, 1),
                train_loss = Math.Round(Math.Log(s.TrainPerplexity), 5),
                valid_loss = Math.Round(valid.Loss, 5),
                valid_accuracy = Math.Round(valid.Metrics.Accuracy, 5),
                valid_macro_f1 = Math.Round(valid.Metrics.MacroF1, 5),
                test_loss = test is null ? (double?)null : Math.Round(test.Loss, 5),
                test_accuracy = test is null ? (double?)null : Math.Round(test.Metrics.Accuracy, 5),
                test_macro_f1 = test is null ? (double?)null : Math.Round(test.Metrics.MacroF1, 5),
                steps = s.Steps,
                epochs = s.Epochs,
                documents = s.Tokens,
                wall_seconds = Math.Round(s.WallSeconds, 2),
                train_seconds = Math.Round(s.TrainSeconds, 2),
                workers = s.Workers,
                peak_rss_mb = peak,
                step_timings = cluster?.StepTimings is { } t ? SummaryPrinter.StepTimingsJson(t) : null,
                ps_placement = cluster?.PsPlacement,
                mode = cluster?.Mode,
                weights_sha256 = s.WeightsSha256,
                labels,
                valid = Scores(valid, labels),
                test = test is null ? null : Scores(test, labels),
                @out = outPath,
            });
            return;
        }

        Console.WriteLine($"done: {s.Epochs} epoch(s), {s.Steps} steps, {s.Tokens:N0} documents in {s.WallSeconds:F1}s ({s.TokensPerSecond:F0} train documents/s over {s.TrainSeconds:F1}s of training"
            + (cluster is null ? ")" : $", {s.Workers} worker(s))"));
        Console.WriteLine($"  valid: accuracy {valid.Metrics.Accuracy:P2}, macro-F1 {valid.Metrics.MacroF1:F4}, loss {valid.Loss:F4} over {valid.Documents:N0} documents");
        if (test is not null)
        {
            Console.WriteLine($"  test:  accuracy {test.Metrics.Accuracy:P2}, macro-F1 {test.Metrics.MacroF1:F4}, loss {test.Loss:F4} over {test.Documents:N0} documents");
        }

        if (cluster is null)
        {
            Console.WriteLine($"  peak memory {peak:F0} MB" + (outPath is null ? string.Empty : $"; model written to {outPath}"));
        }
        else if (outPath is not null)
        {
            Console.WriteLine($"  model written to {outPath}");
        }

        CbowPrinter.ClusterLines(s, cluster, peak);
        PrintTable(test ?? valid, labels, test is null ? "validation" : "test");
    }

    /// <summary><c>eval</c> of a classifier: one JSON object, or lines and the per-class table.</summary>
    public static void PrintEval(ClassifierEvaluator.Result r, IReadOnlyList<string> labels, bool json)
    {
        if (json)
        {
            JsonEvents.WriteObject(Scores(r, labels));
            return;
        }

        Console.WriteLine($"accuracy {r.Metrics.Accuracy:P2}, macro-F1 {r.Metrics.MacroF1:F4}, loss {r.Loss:F4} nats/document over {r.Documents:N0} documents");
        PrintTable(r, labels, "these");
    }

    /// <summary>The JSON object of one split's scores: accuracy, macro-F1, loss, per class and the confusion matrix (rows: true class, columns: predicted, in label order).</summary>
    public static object Scores(ClassifierEvaluator.Result r, IReadOnlyList<string> labels) => new
    {
        documents = r.Documents,
        accuracy = Math.Round(r.Metrics.Accuracy, 5),
        macro_f1 = Math.Round(r.Metrics.MacroF1, 5),
        loss = Math.Round(r.Loss, 5),
        per_class = labels.Select((label, k) => new
        {
            label,
            precision = Math.Round(r.Metrics.Precision[k], 5),
            recall = Math.Round(r.Metrics.Recall[k], 5),
            f1 = Math.Round(r.Metrics.F1[k], 5),
            support = r.Metrics.Support[k],
        }).ToArray(),
        confusion = r.Metrics.Confusion,
    };

    private static void PrintTable(ClassifierEvaluator.Result r, IReadOnlyList<string> labels, string which)
    {
        var width = Math.Clamp(labels.Max(l => l.Length), 5, 24);
        Console.WriteLine($"  per class ({which} documents):");
        Console.WriteLine($"    {"class".PadRight(width)}  precision  recall  F1      support");
        for (var k = 0; k < labels.Count; k++)
        {
            var name = labels[k].Length > width ? labels[k][..(width - 1)] + "…" : labels[k];
            Console.WriteLine($"    {name.PadRight(width)}  {r.Metrics.Precision[k],9:F3}  {r.Metrics.Recall[k],6:F3}  {r.Metrics.F1[k],6:F3}  {r.Metrics.Support[k],7}");
        }

        Console.WriteLine("  confusion matrix (rows: true class, columns: predicted, in the order above):");
        foreach (var row in r.Metrics.Confusion)
        {
            Console.WriteLine("    " + string.Join(' ', row.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(5))));
        }
    }
}
