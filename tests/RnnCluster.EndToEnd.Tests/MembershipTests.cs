namespace RnnCluster.EndToEnd.Tests;

public sealed class MembershipTests
{
    // Three epochs of 750 windows on the sharded server (the joiner gets a key range; `auto` would pick
    // the faster central server for this small model and finish before a node can start and join).
    private static readonly string[] Job =
    [
        "--model", "lstm", "--layers", "1", "--hidden", "32", "--batch", "20", "--bptt", "20",
        "--epochs", "3", "--builtin-train-tokens", "300000", "--seed", "5", "--ps-placement", "workers",
    ];

    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_worker_node_started_mid_job_joins_it_and_every_token_is_trained_once()
    {
        await using var cluster = await NodeCluster.StartAsync(workers: 1);
        using var submit = CliProcess.Start(["submit", "--contact", cluster.Contact, "--watch", "--json", .. Job]);
        await submit.WaitForEventAsync("progress", p => p.GetProperty("workers").GetInt32() == 1 && p.GetProperty("epoch").GetInt32() == 1, JobTimeout);

        await cluster.AddWorkerAsync();
        var joined = await submit.WaitForEventAsync("member", m => m.GetProperty("joined").GetBoolean(), JobTimeout);
        Assert.Equal(2, joined.GetProperty("workers").GetInt32());
        await submit.WaitForEventAsync("progress", p => p.GetProperty("workers").GetInt32() == 2, JobTimeout);

        var exit = await submit.WaitForExitAsync(JobTimeout);
        Assert.True(exit == 0, submit.Describe());
        var epochs = submit.EventsNamed("epoch").ToList();
        Assert.Equal(3, epochs.Count);
        Assert.All(epochs, e => Assert.True(e.GetProperty("tokens_accounted").GetInt64() == e.GetProperty("tokens_expected").GetInt64(), $"token accounting of {e}"));
        var summary = Assert.Single(submit.EventsNamed("summary"));
        var expected = epochs.Sum(e => e.GetProperty("tokens_expected").GetInt64());
        Assert.True(summary.GetProperty("tokens").GetInt64() == expected, $"summary {summary} against {expected} tokens expected. {submit.Describe()}");
    }
}
