using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Tests;

[Collection(SharedClustersCollection.Name)]
[TestCaseOrderer(ByWorkerCount.TypeName, ByWorkerCount.AssemblyName)]
public sealed class SyncTrainingTests(SharedClusters clusters)
{
    [Theory]
    [InlineData(2, 0f)]
    [InlineData(3, 0f)]
    [InlineData(3, 0.3f)]
    public async Task Should_reproduce_single_process_training(int workers, float dropout)
    {
        var job = TestCluster.SmallJob(dropout, workers);
        var expected = Reference.Train(job);
        var cluster = await clusters.WithWorkers(workers);

        var id = await cluster.SubmitAsync(job);
        var events = await cluster.WatchAsync(id);

        var done = Assert.IsType<JobCompleted>(events[^1]);
        Reference.AssertSamePerplexity(expected.ValidPerplexity, done.Summary.ValidPerplexity);
        Assert.Equal(expected.Steps, done.Summary.Steps);
        Assert.Equal(workers, done.Summary.Workers);
        var epoch = Assert.Single(events.OfType<JobEpoch>());
        Assert.Equal(epoch.TokensExpected, epoch.Report.Tokens);
        Console.WriteLine($"sync {workers} workers, dropout {dropout}: single-process valid ppl {expected.ValidPerplexity:R}, cluster {done.Summary.ValidPerplexity:R}");
    }

    [Fact]
    public async Task Should_reproduce_single_process_training_with_a_worker_on_the_coordinator_node()
    {
        // The worker actor is local to the parameter server here: tensors pass as decoded copies, not over remoting.
        var job = TestCluster.SmallJob(workers: 2);
        var expected = Reference.Train(job);
        await using var node = await ClusterNode.StartAsync(
            new NodeOptions([NodeOptions.CoordinatorRole, NodeOptions.WorkerRole], WorkersPerNode: 2), TestCluster.Hocon);
        await using var client = await ClusterClientConnection.ConnectAsync($"127.0.0.1:{node.Port}", TestCluster.Timeout);

        var submitted = await client.SubmitAsync(job, TestCluster.Timeout);
        Assert.True(submitted.Accepted, submitted.Reason);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var events = new List<JobEvent>();
        await foreach (var e in client.WatchAsync(submitted.JobId!, cancel.Token))
        {
            events.Add(e);
        }

        var done = Assert.IsType<JobCompleted>(events[^1]);
        Reference.AssertSamePerplexity(expected.ValidPerplexity, done.Summary.ValidPerplexity);
        Assert.Equal(2, done.Summary.Workers);
        Assert.Equal(0, done.StepTimings!.MbDown);
    }

    [Fact]
    public async Task Should_report_tokens_training_time_learning_rate_memory_and_step_timings()
    {
        var job = TestCluster.SmallJob(workers: 2).WithTraining(t => t with { Epochs = 2, DecayAfter = 1, Decay = 0.5f });
        var cluster = await clusters.WithWorkers(2);

        var events = await cluster.WatchAsync(await cluster.SubmitAsync(job));

        var done = Assert.IsType<JobCompleted>(events[^1]);
        var epochs = events.OfType<JobEpoch>().ToList();
        Assert.Equal(epochs.Sum(e => e.TokensExpected), done.Summary.Tokens);
        Assert.InRange(done.Summary.TrainSeconds, double.Epsilon, done.Summary.WallSeconds);
        Assert.Equal(done.Summary.Tokens / done.Summary.TrainSeconds, done.Summary.TokensPerSecond, 6);
        Assert.All(events.OfType<JobProgress>().Where(p => p.Report.Epoch > 0), p => Assert.Equal(p.Report.Epoch == 1 ? 1f : 0.5f, p.Report.LearningRate));
        Assert.True(done.CoordinatorPeakRssMb > 0);
        Assert.True(done.WorkerPeakRssMb > 0);
        var t = done.StepTimings!;
        Assert.Equal(done.Summary.Steps, t.Steps);
        Assert.True(t.ComputeMs > 0 && t.SlowestComputeMs >= t.ComputeMs);
        Assert.True(t.StepMs >= t.BarrierMs);
        Assert.True(t.MbDown > 0 && t.MbUp > 0);
        Assert.True(t.ServerSerializeMs > 0 && t.WorkerSerializeMs > 0 && t.UpdateMs > 0);
    }
}
