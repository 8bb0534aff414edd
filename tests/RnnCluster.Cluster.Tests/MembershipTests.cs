using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;
using RnnCluster.Cluster.Transfer;

namespace RnnCluster.Cluster.Tests;

public sealed class MembershipTests
{
    [Theory]
    [InlineData("coordinator")]
    [InlineData("workers")]
    public async Task Should_finish_the_job_when_a_worker_dies_mid_epoch(string placement)
    {
        var job = TestCluster.SmallJob(workers: 3).WithTraining(t => t with { Epochs = 2 }) with { BuiltinTrainTokens = 12_000, PsPlacement = placement };
        Reference.Train(job, out var expected);
        await using var cluster = await TestCluster.StartAsync(3);
        var id = await cluster.SubmitAsync(job);
        Task? leaving = null;

        var events = await cluster.WatchAsync(id, e =>
        {
            if (leaving is null && e is JobProgress { Report.Step: >= 15 })
            {
                // the worker actor dies at once; its node then leaves the cluster
                var victim = cluster.Workers[1];
                cluster.Workers.RemoveAt(1);
                victim.System.Stop(victim.System.ActorSelection("/user/worker-0").ResolveOne(TestCluster.Timeout).Result);
                leaving = Task.Run(() => victim.DisposeAsync().AsTask());
            }

            return Task.CompletedTask;
        });
        await leaving!;

        Assert.True(events[^1] is JobCompleted, $"the job ended with {events[^1]}; members: {string.Join("; ", events.OfType<JobMemberEvent>())}");
        var done = (JobCompleted)events[^1];
        Assert.Contains(events.OfType<JobMemberEvent>(), m => !m.Joined && m.Workers == 2);
        var epochs = events.OfType<JobEpoch>().ToList();
        Assert.Equal(2, epochs.Count);
        Assert.All(epochs, e => Assert.Equal(e.TokensExpected, e.Report.Tokens));
        Assert.Equal(2, done.Summary.Workers);
        Console.WriteLine($"worker died: single-process epoch-1 valid ppl {expected[0]:R}, cluster {epochs[0].Report.ValidPerplexity:R}");
        Reference.AssertSamePerplexity(expected[0], epochs[0].Report.ValidPerplexity);
    }

    [Theory]
    [InlineData("coordinator", false)]
    [InlineData("workers", false)]
    [InlineData("workers", true)]
    public async Task Should_give_a_worker_that_joins_mid_job_a_share_of_the_streams(string placement, bool deterministic)
    {
        // 200 steps: room for the new node to start and join (a few seconds on a loaded machine) before the job ends.
        var job = TestCluster.SmallJob(workers: 1).WithTraining(t => t with { Deterministic = deterministic }) with { PsPlacement = placement, BuiltinTrainTokens = 12_000 };
        var expected = Reference.Train(job);
        await using var cluster = await TestCluster.StartAsync(1);
        var id = await cluster.SubmitAsync(job);
        Task<ClusterNode>? joining = null;

        var events = await cluster.WatchAsync(id, e =>
        {
            if (joining is null && e is JobProgress { Report.Step: >= 5 })
            {
                joining = cluster.AddWorkerAsync();
            }

            return Task.CompletedTask;
        });
        await joining!;

        var done = Assert.IsType<JobCompleted>(events[^1]);
        Assert.Contains(events.OfType<JobMemberEvent>(), m => m.Joined && m.Workers == 2);
        Assert.DoesNotContain(events.OfType<JobMemberEvent>(), m => !m.Joined); // taken in at once, never timed out
        Assert.Contains(events.OfType<JobProgress>(), p => p.Report.Workers == 2);
        var epoch = Assert.Single(events.OfType<JobEpoch>());
        Assert.Equal(epoch.TokensExpected, epoch.Report.Tokens);
        Reference.AssertSamePerplexity(expected.ValidPerplexity, done.Summary.ValidPerplexity);
    }

    /// <summary>
    /// The sharded server commits a step once every result and every range's squares are in, before
    /// the workers confirm they hold the new weights. From step 10 on both worker nodes drop every
    /// weight slice, so neither replica can complete the committed version; worker 1 is stopped once a
    /// slice was dropped: the commit no worker confirmed is taken back, worker 0 rolls its partial replica
    /// back and trains the step again alone, and every token counts once.
    /// </summary>
    [Fact]
    public async Task Should_take_back_a_sharded_commit_when_a_worker_is_lost_before_confirming_its_weights()
    {
        var job = TestCluster.SmallJob(workers: 2) with { PsPlacement = "workers", BuiltinTrainTokens = 12_000 };
        var expected = Reference.Train(job);
        await using var cluster = await TestCluster.StartAsync(2);
        var warnings = new ConcurrentQueue<string>();
        var collector = cluster.Coordinator.System.ActorOf(Props.Create(() => new WarningCollector(warnings)));
        cluster.Coordinator.System.EventStream.Subscribe(collector, typeof(Warning));
        var id = await cluster.SubmitAsync(job);
        var victim = cluster.Workers[1];
        var dropped = 0;
        Task? leaving = null;

        var events = await cluster.WatchAsync(id, e =>
        {
            if (leaving is null && e is JobProgress { Report.Step: >= 10 })
            {
                MessageRegistry.TryGetManifest(typeof(WeightSlice), out var sliceManifest);
                Func<string, bool> dropSlices = manifest =>
                {
                    if (manifest != sliceManifest)
                    {
                        return false;
                    }

                    Interlocked.Increment(ref dropped);
                    return true;
                };
                var survivor = DataPlane.Of(cluster.Workers[0].System)!;
                survivor.DropReceived = dropSlices;
                DataPlane.Of(victim.System)!.DropReceived = dropSlices;
                leaving = Task.Run(async () =>
                {
                    await TestCluster.WaitUntil(() => Volatile.Read(ref dropped) > 0, "a weight slice dropped");
                    cluster.Workers.Remove(victim);
                    victim.System.Stop(await victim.System.ActorSelection("/user/worker-0").ResolveOne(TestCluster.Timeout));
                    survivor.DropReceived = null;
                    await victim.DisposeAsync();
                });
            }

            return Task.CompletedTask;
        });
        await leaving!;

        var done = Assert.IsType<JobCompleted>(events[^1]);
        Assert.Contains(warnings, w => w.Contains("before every worker confirmed", StringComparison.Ordinal));
        Assert.Contains(events.OfType<JobMemberEvent>(), m => !m.Joined && m.Workers == 1);
        var epoch = Assert.Single(events.OfType<JobEpoch>());
        Assert.Equal(epoch.TokensExpected, epoch.Report.Tokens);
        Reference.AssertSamePerplexity(expected.ValidPerplexity, done.Summary.ValidPerplexity);
    }

    private sealed class WarningCollector : ReceiveActor
    {
        public WarningCollector(ConcurrentQueue<string> into) => Receive<Warning>(w => into.Enqueue(w.Message?.ToString() ?? string.Empty));
    }
}
