using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Tests;

public sealed class SyncTrainingTests
{
    [Theory]
    [InlineData(2, 0f)]
    [InlineData(3, 0f)]
    [InlineData(3, 0.3f)]
    public async Task Should_reproduce_single_process_training(int workers, float dropout)
    {
        var job = TestCluster.SmallJob(dropout, workers);
        var expected = Reference.Train(job);
        await using var cluster = await TestCluster.StartAsync(workers);

        var id = await cluster.SubmitAsync(job);
        var events = await cluster.WatchAsync(id);

        var done = Assert.IsType<JobCompleted>(events[^1]);
        Reference.AssertSamePerplexity(expected.ValidPerplexity, done.ValidPpl);
        Assert.Equal(expected.Steps, done.Steps);
        Assert.Equal(workers, done.Workers);
        var epoch = Assert.Single(events.OfType<JobEpoch>());
        Assert.Equal(epoch.TokensExpected, epoch.TokensAccounted);
        Console.WriteLine($"sync {workers} workers, dropout {dropout}: single-process valid ppl {expected.ValidPerplexity:R}, cluster {done.ValidPpl:R}");
    }
}
