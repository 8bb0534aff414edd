using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Output;

/// <summary>
/// <c>--keep-best</c>: forwards reports to <paramref name="inner"/> and, at each epoch end whose
/// validation perplexity is the lowest so far, saves the model (atomically) through <paramref name="save"/>.
/// A NaN or infinite perplexity is never the best. A resumed run passes the best epoch of the run
/// before it as <paramref name="bestSoFar"/>.
/// </summary>
public sealed class BestModelKeeper(ITrainingObserver inner, Action<EpochReport> save, EpochReport? bestSoFar = null) : ITrainingObserver
{
    /// <summary>The epoch whose model was saved last, or null before any.</summary>
    public EpochReport? Best { get; private set; } = bestSoFar;

    public void OnProgress(ProgressReport report) => inner.OnProgress(report);

    public void OnEpoch(EpochReport report)
    {
        if (double.IsFinite(report.ValidPerplexity) && (Best is null || report.ValidPerplexity < Best.ValidPerplexity))
        {
            save(report);
            Best = report;
        }

        inner.OnEpoch(report);
    }
}
