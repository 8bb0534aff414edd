using System.Text.Json;

namespace RnnCluster.EndToEnd.Tests;

public sealed class CancelCommandTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    // Far longer than the test: it only ends by being cancelled.
    private static readonly string[] LongJob =
    [
        "--model", "lstm", "--layers", "1", "--hidden", "32", "--batch", "20", "--bptt", "20",
        "--epochs", "50", "--builtin-train-tokens", "200000", "--seed", "3",
    ];

    [Fact]
    public async Task A_cancelled_job_ends_its_watch_shows_as_cancelled_and_the_next_job_still_runs()
    {
        await using var cluster = await NodeCluster.StartAsync(workers: 1);
        using var submit = await CliProcess.RunAsync(CommandTimeout,
            ["submit", "--contact", cluster.Contact, "--json", .. LongJob]);
        Assert.True(submit.ExitCode == 0, submit.Describe());
        var jobId = Assert.Single(submit.EventsNamed("submitted")).GetProperty("job_id").GetString()!;

        using var watch = CliProcess.Start(["watch", jobId, "--contact", cluster.Contact, "--json"]);
        await watch.WaitForEventAsync("progress", p => p.GetProperty("epoch").GetInt32() >= 1, CommandTimeout);
        using var cancel = await CliProcess.RunAsync(CommandTimeout, "cancel", jobId, "--contact", cluster.Contact);
        Assert.True(cancel.ExitCode == 0, cancel.Describe());

        var watchExit = await watch.WaitForExitAsync(CommandTimeout);
        Assert.NotEqual(0, watchExit);
        Assert.Contains("cancelled", watch.Errors, StringComparison.Ordinal);
        Assert.Empty(watch.EventsNamed("summary"));

        using var status = await CliProcess.RunAsync(CommandTimeout, "status", "--contact", cluster.Contact, "--json");
        Assert.True(status.ExitCode == 0, status.Describe());
        var job = JsonDocument.Parse(status.Output).RootElement.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("id").GetString() == jobId);
        Assert.Equal("cancelled", job.GetProperty("state").GetString());
        Assert.True(job.GetProperty("mb_per_step").GetDouble() > 0, status.Output); // one worker holds every key range: only the step messages cross
        var timings = job.GetProperty("step_timings");
        Assert.True(timings.GetProperty("step_ms").GetDouble() >= timings.GetProperty("slowest_compute_ms").GetDouble(), status.Output);

        using var again = await CliProcess.RunAsync(CommandTimeout, "cancel", jobId, "--contact", cluster.Contact);
        Assert.Contains($"job {jobId} has already ended (cancelled)", again.Errors, StringComparison.Ordinal);
        using var unknown = await CliProcess.RunAsync(CommandTimeout, "cancel", "job-999", "--contact", cluster.Contact);
        Assert.Contains($"no job 'job-999' on this cluster (its jobs: {jobId})", unknown.Errors, StringComparison.Ordinal);
        Assert.NotEqual(0, unknown.ExitCode);

        using var next = await CliProcess.RunAsync(SmallJob.RunTimeout,
            ["submit", "--contact", cluster.Contact, "--watch", "--json", .. SmallJob.With("--max-steps", "20")]);
        Assert.True(next.ExitCode == 0, next.Describe());
        Assert.Equal(20, Assert.Single(next.EventsNamed("summary")).GetProperty("steps").GetInt64());
    }
}
