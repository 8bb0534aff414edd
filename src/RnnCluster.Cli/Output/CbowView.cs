using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Shows CBOW training in its own terms: the mean CBOW loss per centre word (not a perplexity) and
/// corpus words per second. JSON lines with <c>--json</c>, else plain lines throttled to one every 10 s.
/// </summary>
public sealed class CbowView(bool json, Func<long, long> wordsWalked) : ITrainingObserver
{
    private readonly ProgressThrottle _throttle = ProgressThrottle.ForView(json);

    public void OnProgress(ProgressReport r)
    {
        if (!_throttle.Due())
        {
            return;
        }

        var loss = Math.Log(r.TrainPerplexity);
        var wordsPerSecond = wordsWalked(r.Step) / Math.Max(1e-9, r.TrainSeconds);
        if (json)
        {
            JsonEvents.Write("progress", new { epoch = r.Epoch, step = r.Step, window = r.Window, windows = r.WindowsPerEpoch, train_loss = Math.Round(loss, 5), words_per_sec = Math.Round(wordsPerSecond), lr = r.LearningRate });
            return;
        }

        Console.WriteLine($"epoch {r.Epoch} step {r.Step} ({r.Window}/{r.WindowsPerEpoch}) train loss {loss:F4} words/s {wordsPerSecond:F0}");
    }

    public void OnEpoch(EpochReport r)
    {
        var trainLoss = Math.Log(r.TrainPerplexity);
        var validLoss = Math.Log(r.ValidPerplexity);
        if (json)
        {
            JsonEvents.Write("epoch", new { epoch = r.Epoch, train_loss = Math.Round(trainLoss, 5), valid_loss = Math.Round(validLoss, 5), centre_words = r.Tokens, lr = r.LearningRate, seconds = Math.Round(r.Seconds, 2) });
            return;
        }

        Console.WriteLine($"epoch {r.Epoch}: train loss {trainLoss:F4}, valid loss {validLoss:F4}, lr {r.LearningRate:G4}, {r.Tokens:N0} centre words in {r.Seconds:F1}s");
    }
}
