using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Text;

namespace RnnCluster.Cluster.Tests;

[Collection(SharedClustersCollection.Name)]
[TestCaseOrderer(ByWorkerCount.TypeName, ByWorkerCount.AssemblyName)]
public sealed class AsyncTests(SharedClusters clusters)
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Async_with_staleness_zero_is_synchronous_sgd(int workers)
    {
        var (done, statusMode) = await TestCluster.TrainLikeSyncAsync(await clusters.WithWorkers(workers), sync => sync with { Mode = "async", MaxStaleness = 0 });

        Assert.Equal(("async", "coordinator", 0), (done.Mode, done.PsPlacement, done.MaxStaleness));
        Assert.Equal(0, done.Staleness!.MaxSteps);
        Assert.True(done.Staleness.MeanUpdatesBehind > 0, "the workers' gradients of one step are applied one after another");
        Assert.Equal("async (S 0)", statusMode);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Bounded_staleness_converges_and_accounts_every_token(int maxStaleness)
    {
        var dir = Directory.CreateTempSubdirectory("rnncluster-async-").FullName;
        try
        {
            // Three epochs, not the convergence job's two: with S = 4, ten 2-epoch runs ended at 5.97–6.12
            // against the bound 6.116 (scheduling decides which gradients are stale); 3 epochs: 5.89–5.95.
            var job = TestCluster.ConvergenceJob().WithTraining(t => t with { Epochs = 3 })
                with
            { Mode = "async", MaxStaleness = maxStaleness, CheckpointDir = dir, CheckpointEvery = 50 };
            var cluster = await clusters.WithWorkers(2);

            var id = await cluster.SubmitAsync(job);
            var events = await cluster.WatchAsync(id);

            var done = Assert.IsType<JobCompleted>(events[^1]);
            var epochs = events.OfType<JobEpoch>().ToList();
            Assert.Equal(job.Training.Epochs, epochs.Count);
            Assert.All(epochs, e => Assert.Equal(e.TokensExpected, e.Report.Tokens));
            var windows = new BatchStreams(BuiltInCorpus.Dataset(job.BuiltinTrainTokens, job.BuiltinValidTokens, job.Training.Seed).Train, 20).WindowCount(20);
            Assert.Equal(job.Training.Epochs * windows, done.Summary.Steps);
            Assert.InRange(done.Staleness!.MaxSteps, 0, maxStaleness);
            Assert.InRange(done.Staleness.MeanSteps, 0, maxStaleness);

            // Checkpoint steps are barriers: every stream is at the same step there.
            var completed = Path.Combine(dir, $"{id}.completed.rnnc"); // renamed just after the final event
            await TestCluster.WaitUntil(() => File.Exists(completed), "the completed checkpoint");
            Assert.Equal(job.Training.Epochs * windows, JobCheckpoints.Read(completed).Snapshot.Step);
            var optimal = done.OptimalPpl!.Value;
            Assert.True(done.Summary.ValidPerplexity < optimal * 1.05, $"async with S = {maxStaleness}: valid ppl {done.Summary.ValidPerplexity} against the optimal {optimal}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
