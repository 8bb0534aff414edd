using RnnCluster.Core.Classification;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Shows a classifier's training in its own terms: documents instead of tokens, the mean cross-entropy
/// per document instead of perplexity, and each epoch's validation accuracy and macro-F1 (from
/// <paramref name="validated"/>). JSON lines with <c>--json</c>, else plain lines throttled to one every 10 s.
/// </summary>
public sealed class ClassifierView(bool json, Func<ClassifierEvaluator.Result?> validated) : ITrainingObserver
{
    private readonly ProgressThrottle _throttle = ProgressThrottle.ForView(json);

    public void OnProgress(ProgressReport r)
    {
        if (!_throttle.Due())
        {
            return;
        }

        var loss = Math.Log(r.TrainPerplexity);
        if (json)
        {
            JsonEvents.Write("progress", new { epoch = r.Epoch, step = r.Step, window = r.Window, windows = r.WindowsPerEpoch, train_loss = Math.Round(loss, 5), docs_per_sec = Math.Round(r.TokensPerSecond, 1), lr = r.LearningRate });
            return;
        }

        Console.WriteLine($"epoch {r.Epoch} step {r.Step} ({r.Window}/{r.WindowsPerEpoch}) train loss {loss:F4} docs/s {r.TokensPerSecond:F0}");
    }

    public void OnEpoch(EpochReport r)
    {
        var valid = validated();
        var trainLoss = Math.Log(r.TrainPerplexity);
        if (json)
        {
            JsonEvents.Write("epoch", new
            {
                epoch = r.Epoch,
                train_loss = Math.Round(trainLoss, 5),
                valid_loss = valid is null ? (double?)null : Math.Round(valid.Loss, 5),
                valid_accuracy = valid is null ? (double?)null : Math.Round(valid.Metrics.Accuracy, 5),
                valid_macro_f1 = valid is null ? (double?)null : Math.Round(valid.Metrics.MacroF1, 5),
                documents = r.Tokens,
                lr = r.LearningRate,
                seconds = Math.Round(r.Seconds, 2),
            });
            return;
        }

        Console.WriteLine($"epoch {r.Epoch}: train loss {trainLoss:F4}"
            + (valid is null ? string.Empty : $", valid loss {valid.Loss:F4}, accuracy {valid.Metrics.Accuracy:P2}, macro-F1 {valid.Metrics.MacroF1:F4}")
            + $", lr {r.LearningRate:G4}, {r.Tokens:N0} documents in {r.Seconds:F1}s");
    }
}
