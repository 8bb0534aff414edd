using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

public sealed class JobLifecycleTests
{
    [Fact]
    public async Task Should_reject_a_bad_job_with_its_reason_and_keep_serving()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var timeout = TestCluster.Timeout;

        var badSpec = await cluster.Client.SubmitAsync(TestCluster.SmallJob().WithTraining(t => t with { Batch = 0 }), timeout);
        var missing = await cluster.Client.SubmitAsync(new JobDefinition { Corpus = "/no/such/corpus.txt" }, timeout);
        var tooFew = await cluster.Client.SubmitAsync(TestCluster.SmallJob() with { BuiltinTrainTokens = 50, BuiltinValidTokens = 50 }, timeout);
        var mode = await cluster.Client.SubmitAsync(TestCluster.SmallJob() with { Mode = "async", PsPlacement = "workers" }, timeout);
        var nowhere = await cluster.Client.SubmitAsync(TestCluster.SmallJob() with { CheckpointEvery = 5 }, timeout); // the coordinator has no --checkpoint-dir

        Assert.False(badSpec.Accepted);
        Assert.Contains("--batch", badSpec.Reason, StringComparison.Ordinal);
        Assert.False(missing.Accepted);
        Assert.Contains("/no/such/corpus.txt", missing.Reason, StringComparison.Ordinal);
        Assert.False(tooFew.Accepted);
        Assert.False(string.IsNullOrWhiteSpace(tooFew.Reason));
        Assert.False(mode.Accepted);
        Assert.Contains("--mode async applies gradients on one server", mode.Reason, StringComparison.Ordinal);
        Assert.False(nowhere.Accepted);
        Assert.Contains("--checkpoint-every 5: this coordinator has no --checkpoint-dir and the job names none", nowhere.Reason, StringComparison.Ordinal);
        var id = await cluster.SubmitAsync(TestCluster.SmallJob().WithTraining(t => t with { MaxSteps = 10 }));
        var events = await cluster.WatchAsync(id);
        Assert.IsType<JobCompleted>(events[^1]);
    }

    [Fact]
    public async Task Should_fail_a_model_too_large_to_allocate_and_keep_serving()
    {
        await using var cluster = await TestCluster.StartAsync(1);

        var huge = await cluster.Client.SubmitAsync(TestCluster.SmallJob().WithModel(m => m with { Layers = 4, Hidden = 8192 }), TestCluster.Timeout);
        var reason = huge.Reason;
        if (huge.Accepted)
        {
            var failed = Assert.IsType<JobFailed>((await cluster.WatchAsync(huge.JobId!))[^1]);
            reason = failed.Reason;
        }

        Assert.Contains("parameters", reason, StringComparison.Ordinal);
        var next = await cluster.SubmitAsync(TestCluster.SmallJob().WithTraining(t => t with { MaxSteps = 5 }));
        Assert.IsType<JobCompleted>((await cluster.WatchAsync(next))[^1]);
    }

    [Fact]
    public async Task Should_queue_a_second_job_and_run_it_next_and_list_both_in_status()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var first = await cluster.SubmitAsync(TestCluster.SmallJob().WithTraining(t => t with { Epochs = 10, MaxSteps = 300 }));
        var second = await cluster.SubmitAsync(TestCluster.SmallJob().WithTraining(t => t with { MaxSteps = 10, Seed = 3 }));

        var status = await cluster.Client.GetStatusAsync(TestCluster.Timeout);
        Assert.Equal(JobStates.Queued, status.Jobs.Single(j => j.Id == second).State);
        Assert.Contains(status.Jobs.Single(j => j.Id == first).State, new[] { JobStates.Queued, JobStates.Running });
        Assert.Equal(2, status.Members.Count);
        Assert.Contains(status.Members, m => m.Roles.Contains("coordinator"));
        Assert.Contains(status.Members, m => m.Roles.Contains("worker") && m.Status == "Up");

        var firstDone = Assert.IsType<JobCompleted>((await cluster.WatchAsync(first))[^1]);
        var secondEvents = await cluster.WatchAsync(second);
        var secondDone = Assert.IsType<JobCompleted>(secondEvents[^1]);
        Assert.Equal(300, firstDone.Summary.Steps);
        Assert.Equal(10, secondDone.Summary.Steps);
        var final = await cluster.Client.GetStatusAsync(TestCluster.Timeout);
        Assert.All(final.Jobs, j => Assert.Equal(JobStates.Completed, j.State));
    }

    [Fact]
    public async Task Should_cancel_a_running_job_cleanly()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var id = await cluster.SubmitAsync(TestCluster.SmallJob().WithTraining(t => t with { Epochs = 100 }));
        var queued = await cluster.SubmitAsync(TestCluster.SmallJob().WithTraining(t => t with { MaxSteps = 5 }));
        var cancelled = false;

        var events = await cluster.WatchAsync(id, async e =>
        {
            if (!cancelled && e is JobProgress { Report.Step: >= 3 })
            {
                cancelled = await cluster.Client.CancelAsync(id, TestCluster.Timeout);
            }
        });

        Assert.True(cancelled);
        Assert.IsType<JobCancelled>(events[^1]);
        Assert.False(await cluster.Client.CancelAsync(id, TestCluster.Timeout));
        Assert.IsType<JobCompleted>((await cluster.WatchAsync(queued))[^1]);
        var status = await cluster.Client.GetStatusAsync(TestCluster.Timeout);
        Assert.Equal(JobStates.Cancelled, status.Jobs.Single(j => j.Id == id).State);
    }

    [Fact]
    public async Task Should_end_a_watch_of_an_unknown_job()
    {
        await using var cluster = await TestCluster.StartAsync(0);
        var events = await cluster.WatchAsync("job-404");
        Assert.IsType<JobFailed>(Assert.Single(events));
    }

    [Fact]
    public async Task A_job_waiting_for_workers_says_so_in_status()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var id = await cluster.SubmitAsync(TestCluster.SmallJob(workers: 3));

        JobStatus? waiting = null;
        await TestCluster.WaitUntil(() =>
        {
            waiting = cluster.Client.GetStatusAsync(TestCluster.Timeout).GetAwaiter().GetResult().Jobs.Single(j => j.Id == id);
            return waiting.Reason is not null;
        }, "a waiting reason");

        Assert.Equal(JobStates.Running, waiting!.State);
        Assert.Equal("waiting for 3 worker(s), 1 up", waiting.Reason);
        Assert.True(await cluster.Client.CancelAsync(id, TestCluster.Timeout));
    }
}
