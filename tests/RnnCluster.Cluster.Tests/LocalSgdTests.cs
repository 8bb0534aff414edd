using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Text;

namespace RnnCluster.Cluster.Tests;

[Collection(SharedClustersCollection.Name)]
[TestCaseOrderer(ByWorkerCount.TypeName, ByWorkerCount.AssemblyName)]
public sealed class LocalSgdTests(SharedClusters clusters)
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task One_local_step_per_round_is_synchronous_sgd(int workers)
    {
        var (done, statusMode) = await TestCluster.TrainLikeSyncAsync(await clusters.WithWorkers(workers), sync => sync with { Mode = "local-sgd", SyncEvery = 1 });

        Assert.Equal("coordinator", done.PsPlacement);
        Assert.Equal(("local-sgd", 1, 0L), (done.Mode, done.SyncEvery, done.WarmupSyncSteps));
        Assert.Equal("local-sgd (H 1)", statusMode);
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(16, 0)]
    [InlineData(4, 30)]
    public async Task Rounds_of_several_local_steps_converge_and_account_every_token(int syncEvery, int warmupSyncSteps)
    {
        var dir = Directory.CreateTempSubdirectory("rnncluster-local-sgd-").FullName;
        try
        {
            var job = TestCluster.ConvergenceJob() with { Mode = "local-sgd", SyncEvery = syncEvery, WarmupSyncSteps = warmupSyncSteps, CheckpointDir = dir, CheckpointEvery = 50 };
            var cluster = await clusters.WithWorkers(2);

            var id = await cluster.SubmitAsync(job);
            var events = await cluster.WatchAsync(id);

            var done = Assert.IsType<JobCompleted>(events[^1]);
            var epochs = events.OfType<JobEpoch>().ToList();
            Assert.Equal(2, epochs.Count);
            Assert.All(epochs, e => Assert.Equal(e.TokensExpected, e.Report.Tokens));
            var windows = new BatchStreams(BuiltInCorpus.Dataset(job.BuiltinTrainTokens, job.BuiltinValidTokens, job.Training.Seed).Train, 20).WindowCount(20);
            Assert.Equal(2 * windows, done.Summary.Steps);

            // A round is at most H windows (1 in the warm-up) and ends at checkpoint steps (multiples of
            // 50) and epoch ends. (The watch may miss the very first steps.)
            var steps = events.OfType<JobProgress>().Select(p => p.Report.Step).Where(s => s > 0).Distinct().Order().Skip(2).ToList();
            Assert.All(steps.Zip(steps.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, 1, pair.Second <= warmupSyncSteps ? 1 : syncEvery));
            Assert.True(warmupSyncSteps == 0 || steps.Contains(warmupSyncSteps + syncEvery), "the first round starts after the warm-up");
            Assert.Contains(50L, steps);
            Assert.Contains(100L, steps);
            Assert.Contains((long)windows, steps);
            var completed = Path.Combine(dir, $"{id}.completed.rnnc"); // renamed just after the final event
            await TestCluster.WaitUntil(() => File.Exists(completed), "the completed checkpoint");
            Assert.Equal(2 * windows, JobCheckpoints.Read(completed).Snapshot.Step);
            var optimal = done.OptimalPpl!.Value;
            Assert.True(done.Summary.ValidPerplexity < optimal * 1.05, $"local SGD with H = {syncEvery}: valid ppl {done.Summary.ValidPerplexity} against the optimal {optimal}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
