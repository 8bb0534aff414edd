using System.Text.Json;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// Every process of a cluster killed (kill -9) and started again with the same --checkpoint-dir: no
/// accepted job is lost, no job id is given twice, and the jobs that ended before are still listed.
/// </summary>
public sealed class ClusterRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Should_keep_jobs_accepted_before_their_first_checkpoint_and_never_reuse_their_ids()
    {
        using var directory = new TempDirectory();
        var checkpoints = directory.File("ck");
        var (first, firstWorker) = await StartAsync(checkpoints, port: null);
        var port = (await first.WaitForEventAsync("node", _ => true, Timeout)).GetProperty("port").GetInt32();
        var contact = $"127.0.0.1:{port}";

        // A long job that writes no checkpoint before the kill (none until its first epoch ends), and one queued behind it.
        var running = await SubmitAsync(contact, "--epochs", "50", "--builtin-train-tokens", "3000000", "--hidden", "32", "--threads", "1");
        var queued = await SubmitAsync(contact, "--max-steps", "5", "--model", "gru", "--hidden", "16", "--threads", "1");
        Assert.Equal(("job-1", "job-2"), (running, queued));
        firstWorker.KillHard();
        first.KillHard();

        var (coordinator, worker) = await StartAsync(checkpoints, port);
        using (coordinator)
        using (worker)
        {
            await coordinator.WaitForEventAsync("node", _ => true, Timeout);
            var next = await SubmitAsync(contact, "--max-steps", "5", "--hidden", "16", "--threads", "1");
            Assert.Equal("job-3", next);

            using var status = await CliProcess.RunAsync(Timeout, "status", "--contact", contact, "--json");
            Assert.True(status.ExitCode == 0, status.Describe());
            var jobs = JsonDocument.Parse(status.Output).RootElement.GetProperty("jobs").EnumerateArray()
                .ToDictionary(j => j.GetProperty("id").GetString()!, j => j.GetProperty("state").GetString());
            Assert.Equal(["job-1", "job-2", "job-3"], jobs.Keys.Order().ToArray());
            Assert.Contains(jobs["job-1"], new[] { "running", "queued" }); // queued again from its beginning, not lost
            Assert.Equal("queued", jobs["job-2"]); // still behind job-1, although its smaller corpus loads first
            Assert.Contains("queuing job-2 again: it was accepted before the cluster stopped and had no checkpoint yet, so it starts from its beginning", coordinator.Errors, StringComparison.Ordinal);

            using var cancel = await CliProcess.RunAsync(Timeout, "cancel", "job-1", "--contact", contact);
            Assert.True(cancel.ExitCode == 0, cancel.Describe());
            using var watch = await CliProcess.RunAsync(Timeout, "watch", "job-2", "--contact", contact, "--json");
            Assert.True(watch.ExitCode == 0, watch.Describe());
            Assert.Single(watch.EventsNamed("summary"));
            Assert.True(File.Exists(Path.Combine(checkpoints, "job-2.completed.json")), string.Join(", ", Directory.GetFiles(checkpoints).Select(Path.GetFileName)));
            using var watchNext = await CliProcess.RunAsync(Timeout, "watch", "job-3", "--contact", contact, "--json");
            Assert.True(watchNext.ExitCode == 0, watchNext.Describe());
            worker.KillHard();
            coordinator.KillHard();
        }

        // Killed again with every job ended: a second restart lists them with their final figures.
        var (again, againWorker) = await StartAsync(checkpoints, port);
        using (again)
        using (againWorker)
        {
            using var status = await CliProcess.RunAsync(Timeout, "status", "--contact", contact, "--json");
            Assert.True(status.ExitCode == 0, status.Describe());
            var jobs = JsonDocument.Parse(status.Output).RootElement.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("id").GetString()!, j => j.Clone());
            Assert.Equal(["job-1", "job-2", "job-3"], jobs.Keys.Order().ToArray());
            Assert.Equal(["cancelled", "completed", "completed"], jobs.Values.OrderBy(j => j.GetProperty("id").GetString()).Select(j => j.GetProperty("state").GetString()!).ToArray());
            Assert.Equal(5, jobs["job-3"].GetProperty("step").GetInt64());
            using var watch = await CliProcess.RunAsync(Timeout, "watch", "job-2", "--contact", contact);
            Assert.True(watch.ExitCode == 0, watch.Describe()); // it completed: nothing to follow, nothing failed
            Assert.Contains("job job-2 completed under an earlier job supervisor", watch.Output, StringComparison.Ordinal);
            using var watchCancelled = await CliProcess.RunAsync(Timeout, "watch", "job-1", "--contact", contact);
            Assert.True(watchCancelled.ExitCode == 3, watchCancelled.Describe());
            Assert.Contains("job job-1 ended (cancelled) under an earlier job supervisor", watchCancelled.Errors, StringComparison.Ordinal);
            Assert.Equal("job-4", await SubmitAsync(contact, "--max-steps", "2", "--hidden", "16", "--threads", "1"));
            again.CloseInput();
            againWorker.CloseInput();
            await againWorker.WaitForExitAsync(Timeout);
            await again.WaitForExitAsync(Timeout);
        }

        first.Dispose();
        firstWorker.Dispose();
    }

    private static async Task<(CliProcess Coordinator, CliProcess Worker)> StartAsync(string checkpoints, int? port)
    {
        var coordinator = CliProcess.Start(["node", "--json", "--roles", "coordinator", "--host", "127.0.0.1", "--port", $"{port ?? 0}", "--http-port", "-1",
            "--exit-on-stdin-close", "--checkpoint-dir", checkpoints]);
        var started = await coordinator.WaitForEventAsync("node", _ => true, Timeout);
        var worker = CliProcess.Start(["node", "--json", "--roles", "worker", "--host", "127.0.0.1", "--port", "0", "--http-port", "-1", "--threads", "1",
            "--exit-on-stdin-close", "--seeds", $"127.0.0.1:{started.GetProperty("port").GetInt32()}"]);
        await worker.WaitForEventAsync("node", _ => true, Timeout);
        return (coordinator, worker);
    }

    private static async Task<string> SubmitAsync(string contact, params string[] flags)
    {
        using var submit = await CliProcess.RunAsync(Timeout, ["submit", "--contact", contact, "--json", .. flags]);
        Assert.True(submit.ExitCode == 0, submit.Describe());
        return Assert.Single(submit.EventsNamed("submitted")).GetProperty("job_id").GetString()!;
    }
}
