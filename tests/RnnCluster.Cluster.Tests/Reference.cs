using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

/// <summary>The single-process result a cluster job must reproduce.</summary>
internal static class Reference
{
    public static TrainingSummary Train(JobDefinition job) => Train(job, out _);

    /// <summary>Trains single-process; <paramref name="validByEpoch"/> gets each epoch's validation perplexity.</summary>
    public static TrainingSummary Train(JobDefinition job, out List<double> validByEpoch)
    {
        var data = BuiltInCorpus.Dataset(job.BuiltinTrainTokens, job.BuiltinValidTokens, job.Training.Seed);
        var observer = new EpochRecorder();
        var summary = new Trainer(job.ToModelSpec(data.Vocabulary.Count), job.Training, data, observer).Run();
        validByEpoch = observer.Valid;
        return summary;
    }

    /// <summary>
    /// Asserts agreement to at least 4 significant digits. (Runs long enough to cross the built-in
    /// corpus's steep learning phase amplify float summation-order differences: compare early epochs.)
    /// </summary>
    public static void AssertSamePerplexity(double expected, double actual)
    {
        var relative = Math.Abs(expected - actual) / Math.Abs(expected);
        Assert.True(relative < 5e-5, $"perplexity {actual} differs from single-process {expected} (relative {relative:E2})");
    }

    private sealed class EpochRecorder : ITrainingObserver
    {
        public List<double> Valid { get; } = [];

        public void OnProgress(ProgressReport report)
        {
        }

        public void OnEpoch(EpochReport report) => Valid.Add(report.ValidPerplexity);
    }
}
