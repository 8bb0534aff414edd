using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

public sealed class CheckpointTests : IDisposable
{
    // A fresh directory per test (xUnit makes a new instance for each).
    private readonly string _dir = Directory.CreateTempSubdirectory("rnncluster-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("coordinator")]
    [InlineData("workers")]
    public async Task Should_checkpoint_a_running_job_at_epoch_ends_and_mark_the_checkpoint_completed(string placement)
    {
        var job = TestCluster.SmallJob(workers: 2).WithTraining(t => t with { Epochs = 3 }) with { CheckpointDir = _dir, Out = Path.Combine(_dir, "final.model"), PsPlacement = placement };
        await using var cluster = await TestCluster.StartAsync(2);
        var id = await cluster.SubmitAsync(job);
        var atEpochEnds = new List<(JobEpoch Event, TrainingSnapshot Checkpoint)>();

        var events = await cluster.WatchAsync(id, e =>
        {
            if (e is JobEpoch epoch && epoch.Report.Epoch < job.Training.Epochs)
            {
                atEpochEnds.Add((epoch, ReadLatest(_dir, id)));
            }

            return Task.CompletedTask;
        });

        var done = Assert.IsType<JobCompleted>(events[^1]);

        // The final event is published first; the checkpoint is renamed on the job's background chain.
        var completed = Path.Combine(_dir, id + ".completed.rnnc");
        var deadline = DateTime.UtcNow + TestCluster.Timeout;
        while (!File.Exists(completed) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(File.Exists(JobCheckpoints.PathFor(_dir, id)));
        var (_, checkpointId, definition, final, checkpoint, _) = JobCheckpoints.Read(completed);
        Assert.Equal(id, checkpointId);
        Assert.Equal(job.ToJson(), definition.ToJson());
        Assert.Equal(job.Training.Epochs, final.Epoch);
        Assert.Equal(done.Summary.Steps, final.Step);
        Assert.Equal(final.Epoch * final.Window, final.Step);
        Assert.Equal(done.Summary.Tokens, final.TotalTokens);
        Assert.Equal(done.Summary.TrainPerplexity, Math.Exp(final.EpochLoss / final.EpochTokens), 9);
        Assert.Equal(CheckpointFile.Read(job.Out!).Weights, final.Weights);
        Assert.All(final.StateH, h => Assert.Equal(job.Training.Batch * job.Model.Hidden, h.Length));
        Assert.Equal(job.Model.Layers, checkpoint.Spec.Layers);

        // Each epoch end rewrote the file before the epoch was reported (a later epoch's end may have overwritten it since).
        Assert.Equal(job.Training.Epochs - 1, atEpochEnds.Count);
        foreach (var (epoch, snapshot) in atEpochEnds)
        {
            Assert.InRange(snapshot.Epoch, epoch.Report.Epoch, job.Training.Epochs);
            Assert.Equal(final.Window, snapshot.Window);
            Assert.Equal(snapshot.Epoch * snapshot.Window, snapshot.Step);
            Assert.Equal(epoch.TokensExpected, snapshot.EpochTokens);
        }
    }

    [Fact]
    public async Task Should_fail_the_job_when_its_checkpoint_cannot_be_written()
    {
        var job = TestCluster.SmallJob(workers: 2).WithTraining(t => t with { Epochs = 3 }) with { CheckpointDir = _dir };
        await using var cluster = await TestCluster.StartAsync(2);

        // A directory where the first job's checkpoint goes: the rename over it fails, as a full or
        // read-only disk would.
        Directory.CreateDirectory(JobCheckpoints.PathFor(_dir, "job-1"));
        var id = await cluster.SubmitAsync(job);
        Assert.Equal("job-1", id);

        var events = await cluster.WatchAsync(id, _ => Task.CompletedTask);

        var failed = Assert.IsType<JobFailed>(events[^1]);
        Assert.StartsWith("checkpoint at step ", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("--checkpoint-dir", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e is JobEpoch { Report.Epoch: > 1 });
        Assert.Empty(Directory.EnumerateFiles(_dir));
    }

    [Fact]
    public async Task Should_continue_a_cancelled_job_from_its_checkpoint_as_a_new_job()
    {
        var job = TestCluster.SmallJob(workers: 2).WithTraining(t => t with { Epochs = 2 }) with { BuiltinTrainTokens = 8_000, CheckpointDir = _dir, CheckpointEvery = 5 };
        var expected = Reference.Train(job);
        await using var cluster = await TestCluster.StartAsync(2);
        var id = await cluster.SubmitAsync(job);
        var cancelled = false;
        await cluster.WatchAsync(id, async e =>
        {
            if (!cancelled && e is JobProgress { Report.Step: >= 12 })
            {
                cancelled = await cluster.Client.CancelAsync(id, TestCluster.Timeout);
            }
        });
        var kept = Path.Combine(_dir, id + ".cancelled.rnnc");
        Assert.True(File.Exists(kept), "the checkpoint has its final name when the watch hears the end");
        var from = JobCheckpoints.Read(kept).Snapshot;

        var resumed = await cluster.Client.ResumeAsync(kept, TestCluster.Timeout);
        Assert.True(resumed.Accepted, resumed.Reason);
        var events = await cluster.WatchAsync(resumed.JobId!);

        var done = Assert.IsType<JobCompleted>(events[^1]);
        Assert.InRange(from.Step, 10, expected.Steps - 1);
        Assert.Equal(expected.Steps, done.Summary.Steps);
        Assert.Equal(expected.Tokens, done.Summary.Tokens);
        Assert.All(events.OfType<JobEpoch>(), e => Assert.Equal(e.TokensExpected, e.Report.Tokens));
        var relative = Math.Abs(done.Summary.ValidPerplexity - expected.ValidPerplexity) / expected.ValidPerplexity;
        Assert.True(relative < 0.02, $"valid ppl {done.Summary.ValidPerplexity} vs undisturbed {expected.ValidPerplexity}");

        var completed = Path.Combine(_dir, resumed.JobId + ".completed.rnnc");
        Assert.True(File.Exists(completed));
        var again = await cluster.Client.ResumeAsync(completed, TestCluster.Timeout);
        Assert.False(again.Accepted);
        Assert.Contains("its job completed", again.Reason, StringComparison.Ordinal);

        var model = await cluster.Client.ResumeAsync(Path.Combine(_dir, "no-such.rnnc"), TestCluster.Timeout);
        Assert.False(model.Accepted);
        Assert.Contains("no-such.rnnc", model.Reason, StringComparison.Ordinal);
    }

    private static TrainingSnapshot ReadLatest(string dir, string id)
    {
        try
        {
            return JobCheckpoints.Read(JobCheckpoints.PathFor(dir, id)).Snapshot;
        }
        catch (CheckpointException)
        {
            // the job completed (and its checkpoint was renamed) in the meantime
            return JobCheckpoints.Read(Path.Combine(dir, id + ".completed.rnnc")).Snapshot;
        }
    }
}
