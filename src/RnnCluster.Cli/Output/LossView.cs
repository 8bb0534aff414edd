using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Shows a cluster job of <c>--task classify</c> or <c>cbow</c> in that task's terms: the mean loss per
/// document or centre word (the logarithm of the loop's "perplexity") and documents or centre words per
/// second, with the epoch's token accounting as a language model's cluster job shows it. JSON lines
/// with <c>--json</c>, else plain lines throttled to one every 10 s.
/// </summary>
/// <param name="unit">What a token is: "document" or "centre word".</param>
public sealed class LossView(bool json, string unit)
{
    private readonly ProgressThrottle _throttle = ProgressThrottle.ForView(json);
    private readonly string _key = unit.Replace(' ', '_') + "s";

    public void OnProgress(ProgressReport r)
    {
        if (!_throttle.Due(force: r.Window == r.WindowsPerEpoch))
        {
            return;
        }

        var loss = Math.Log(r.TrainPerplexity);
        if (json)
        {
            JsonEvents.Write("progress", new Dictionary<string, object>
            {
                ["epoch"] = r.Epoch,
                ["step"] = r.Step,
                ["window"] = r.Window,
                ["windows"] = r.WindowsPerEpoch,
                ["train_loss"] = Math.Round(loss, 5),
                [_key + "_per_sec"] = Math.Round(r.TokensPerSecond, 1),
                ["workers"] = r.Workers,
                ["lr"] = r.LearningRate,
            });
            return;
        }

        Console.WriteLine($"epoch {r.Epoch} step {r.Step} ({r.Window}/{r.WindowsPerEpoch}) train loss {loss:F4} {unit}s/s {r.TokensPerSecond:F0} ({r.Workers} worker(s))");
    }

    /// <param name="tokensExpected">What the epoch's windows hold; a mismatch with the documents or centre words trained is shown as one.</param>
    /// <param name="valid">A classifier's validation scores after the epoch (accuracy and macro-F1 are shown), else null.</param>
    public void OnEpoch(EpochReport r, long tokensExpected, Core.Classification.ClassifierEvaluator.Result? valid = null)
    {
        var trainLoss = Math.Log(r.TrainPerplexity);
        var validLoss = Math.Log(r.ValidPerplexity);
        if (json)
        {
            var fields = new Dictionary<string, object?>
            {
                ["epoch"] = r.Epoch,
                ["train_loss"] = Math.Round(trainLoss, 5),
                ["valid_loss"] = Math.Round(validLoss, 5),
                ["valid_accuracy"] = valid is null ? null : Math.Round(valid.Metrics.Accuracy, 5),
                ["valid_macro_f1"] = valid is null ? null : Math.Round(valid.Metrics.MacroF1, 5),
                [_key] = r.Tokens,
                ["lr"] = r.LearningRate,
                ["seconds"] = Math.Round(r.Seconds, 2),
                ["tokens_accounted"] = r.Tokens,
                ["tokens_expected"] = tokensExpected,
            };
            JsonEvents.Write("epoch", fields.Where(f => f.Value is not null).ToDictionary());
            return;
        }

        if (tokensExpected != r.Tokens)
        {
            Console.WriteLine($"  accounting mismatch: {r.Tokens:N0} {unit}s trained in epoch {r.Epoch}, its windows hold {tokensExpected:N0}");
        }

        Console.WriteLine($"epoch {r.Epoch}: train loss {trainLoss:F4}, valid loss {validLoss:F4}"
            + (valid is null ? string.Empty : $", accuracy {valid.Metrics.Accuracy:P2}, macro-F1 {valid.Metrics.MacroF1:F4}")
            + $", lr {r.LearningRate:G4}, {r.Tokens:N0} {unit}s in {r.Seconds:F1}s");
    }
}
