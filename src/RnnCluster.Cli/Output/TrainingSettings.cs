using System.Globalization;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>
/// The line a training run prints at its start saying how it trains: "training: sgd, lr 0.25, ×0.85 an
/// epoch after epoch 5; batch 20, BPTT 20, dropout 0.5, clip 5; 45 epoch(s)" — the job's values in use,
/// whether they came from flags, a job file or a checkpoint.
/// </summary>
public static class TrainingSettings
{
    /// <param name="batchUnit">What a batch counts ("" for a language model's streams, " documents", " positions").</param>
    /// <param name="bptt">Whether the BPTT window applies (language models and recurrent classifiers).</param>
    public static string Describe(TrainingOptions t, float dropout, string batchUnit, bool bptt)
    {
        static string Number(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
        var optimizer = t.Optimizer == "momentum" ? $"momentum {Number(t.Momentum)}" : t.Optimizer;
        return $"training: {optimizer}, {t.Schedule.Describe(t.Epochs)}; batch {t.Batch}{batchUnit}"
            + (bptt ? $", BPTT {t.Bptt}" : string.Empty) + $", dropout {Number(dropout)}, clip {(t.Clip > 0 ? Number(t.Clip) : "off")}; {t.Epochs} epoch(s)"
            + (t.MaxSteps > 0 ? $", at most {t.MaxSteps} step(s)" : string.Empty);
    }
}
