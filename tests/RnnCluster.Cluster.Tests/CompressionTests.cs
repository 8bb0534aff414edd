using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

[Collection(SharedClustersCollection.Name)]
[TestCaseOrderer(ByWorkerCount.TypeName, ByWorkerCount.AssemblyName)]
public sealed class CompressionTests(SharedClusters clusters)
{
    /// <summary>
    /// Each compression trains the built-in corpus to within 5% of its optimal perplexity with every
    /// token accounted, and sends at most <paramref name="maxBytesRatio"/> of the float32 bytes: per
    /// worker and step, what the server received (central) or what a worker node sent (sharded: its
    /// gradient slices and its key range's weights; top-k compresses only the former).
    /// </summary>
    [Theory]
    [InlineData("bf16", "coordinator", "sync", 0.55)]
    [InlineData("fp16", "workers", "sync", 0.57)] // plus the partial squares each key range sends the other ranges' owners (per norm block and touched row; 1-2% on this small model)
    [InlineData("topk:0.01", "coordinator", "sync", 0.15)] // the small model: the embedding rows and the streams' hidden state are 10%
    [InlineData("topk:0.01", "workers", "sync", 0.6)]
    [InlineData("bf16", "coordinator", "local-sgd", 0.55)] // per round: the change of the workers' weights
    public async Task Compressed_training_converges_and_sends_fewer_bytes(string compress, string placement, string mode, double maxBytesRatio)
    {
        var job = TestCluster.ConvergenceJob() with { Compress = compress, PsPlacement = placement, Mode = mode };
        var cluster = await clusters.WithWorkers(2);

        var id = await cluster.SubmitAsync(job);
        var events = await cluster.WatchAsync(id);

        var done = Assert.IsType<JobCompleted>(events[^1]);
        Assert.Equal((compress, placement), (done.Compress, done.PsPlacement));
        Assert.All(events.OfType<JobEpoch>(), e => Assert.Equal(e.TokensExpected, e.Report.Tokens));
        var optimal = done.OptimalPpl!.Value;
        Assert.True(done.Summary.ValidPerplexity < optimal * 1.05, $"--compress {compress}: valid ppl {done.Summary.ValidPerplexity} against the optimal {optimal}");

        var timings = done.StepTimings!;
        var floats = ParameterLayout.For(job.ToModelSpec(BuiltInCorpusVocabulary(job))).Size;
        var bytes = placement == "coordinator" ? timings.MbUp * 1e6 / 2 : timings.WorkerMbSent * 1e6;
        Assert.InRange(bytes / (4.0 * floats), 0.001, maxBytesRatio);
        var status = Assert.Single((await cluster.Client.GetStatusAsync(TestCluster.Timeout)).Jobs, j => j.Id == id);
        Assert.Contains(compress, status.Mode);
        Assert.InRange(status.Timings!.Steps, 1, timings.Steps);
        Assert.True(status.BusiestLinkMbPerStep > 0);
    }

    private static int BuiltInCorpusVocabulary(JobDefinition job)
        => Core.Text.BuiltInCorpus.Dataset(job.BuiltinTrainTokens, job.BuiltinValidTokens, job.Training.Seed).Vocabulary.Count;
}
