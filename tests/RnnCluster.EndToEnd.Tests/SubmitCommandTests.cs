using System.Text.Json;

namespace RnnCluster.EndToEnd.Tests;

public sealed class SubmitCommandTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Submit_with_a_missing_corpus_is_rejected_with_the_reason_and_status_still_works()
    {
        await using var cluster = await NodeCluster.StartAsync(workers: 1);
        var missing = Path.Combine(Path.GetTempPath(), $"rnncluster-no-such-corpus-{Guid.NewGuid():N}.txt");

        using var submit = await CliProcess.RunAsync(CommandTimeout, "submit", "--contact", cluster.Contact, "--corpus", missing, "--max-steps", "1");
        Assert.NotEqual(0, submit.ExitCode);
        Assert.Contains("rejected", submit.Errors, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Path.GetFileName(missing), submit.Errors, StringComparison.Ordinal);

        using var status = await CliProcess.RunAsync(CommandTimeout, "status", "--contact", cluster.Contact, "--json");
        Assert.True(status.ExitCode == 0, status.Describe());
        var root = JsonDocument.Parse(status.Output).RootElement;
        var roles = root.GetProperty("members").EnumerateArray().SelectMany(m => m.GetProperty("roles").EnumerateArray().Select(r => r.GetString())).ToList();
        Assert.Contains("coordinator", roles);
        Assert.Contains("worker", roles);

        // Watching or cancelling a job the cluster never had: one line each, and the cluster stays up.
        using var watch = await CliProcess.RunAsync(CommandTimeout, "watch", "job-999", "--contact", cluster.Contact);
        Assert.Equal(1, watch.ExitCode);
        Assert.Equal("rnncluster: no job 'job-999' on this cluster (it has no jobs)", watch.Errors.Trim());
        using var cancel = await CliProcess.RunAsync(CommandTimeout, "cancel", "job-999", "--contact", cluster.Contact);
        Assert.Equal("rnncluster: no job 'job-999' on this cluster (it has no jobs)", cancel.Errors.Trim());

        // The table into a pipe: plain text, no colour codes.
        using var table = await CliProcess.RunAsync(CommandTimeout, "status", "--contact", cluster.Contact);
        Assert.True(table.ExitCode == 0, table.Describe());
        Assert.Contains("members", table.Output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', table.Output);
    }
}
