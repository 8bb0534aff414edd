namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// Network partitions with real node processes in Linux network namespaces (see
/// <see cref="PartitionNetwork"/>): a link is cut with iptables while a job trains, and healed.
/// </summary>
public sealed class PartitionTests
{
    private const int Port = 25520;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    // Epochs of 1,500 windows (as the worker-failure tests): long enough to cut a link in the middle of one.
    private static readonly string[] Job =
    [
        "--model", "lstm", "--layers", "1", "--hidden", "32", "--batch", "20", "--bptt", "20",
        "--epochs", "2", "--decay-after", "1", "--builtin-train-tokens", "600000", "--seed", "11", "--workers", "2",
    ];

    [Fact]
    public async Task A_worker_cut_off_mid_job_is_downed_the_job_completes_and_the_worker_rejoins_once_the_link_heals()
    {
        using var network = PartitionNetwork.Create(3);
        var contact = $"{PartitionNetwork.Address(0)}:{Port}";
        var nodes = new List<CliProcess>();
        try
        {
            nodes.Add(await StartNode(0, "--roles", "coordinator", "--port", $"{Port}", "--http-port", "0"));
            for (var i = 1; i <= 2; i++)
            {
                nodes.Add(await StartNode(i, "--roles", "worker", "--port", $"{Port}", "--seeds", contact, "--join-timeout", "120"));
            }

            using var submit = CliProcess.StartInNamespace(PartitionNetwork.Namespace(0), ["submit", "--contact", contact, "--watch", "--json", .. Job]);
            await submit.WaitForEventAsync("progress", p => p.GetProperty("epoch").GetInt32() == 1 && p.GetProperty("step").GetInt64() >= 20
                && p.GetProperty("window").GetInt32() < p.GetProperty("windows").GetInt32(), Timeout);
            network.Cut(2);

            // Unreachable: the job goes on with the other worker. The split-brain resolver then downs the
            // cut-off side (it lacks the oldest node); the link heals only after that.
            var victim = nodes[2];
            await submit.WaitForEventAsync("member", m => !m.GetProperty("joined").GetBoolean(), Timeout);
            await Until(() => victim.Errors.Contains("this node was downed by the cluster", StringComparison.Ordinal), Timeout, () => victim.Describe());
            network.Heal(2);

            var exit = await submit.WaitForExitAsync(Timeout);
            Assert.True(exit == 0, submit.Describe());
            var epochs = submit.EventsNamed("epoch").ToList();
            Assert.Equal(2, epochs.Count);
            Assert.All(epochs, e => Assert.Equal(e.GetProperty("tokens_expected").GetInt64(), e.GetProperty("tokens_accounted").GetInt64()));

            // The cut-off worker restarted itself and rejoined the cluster.
            await Until(() => victim.EventsNamed("node").Count() >= 2, Timeout, () => victim.Describe());
            await Until(() => MembersUp(contact) == 3, Timeout, () => $"members up: {MembersUp(contact)}; {victim.Describe()}");
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.CloseInput();
            }

            foreach (var node in nodes)
            {
                try
                {
                    await node.WaitForExitAsync(TimeSpan.FromSeconds(20));
                }
                catch (TimeoutException)
                {
                    // WaitForExitAsync killed it.
                }

                node.Dispose();
            }
        }
    }

    private static async Task Until(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0}s: {describe()}");
            }

            await Task.Delay(500);
        }
    }

    private static async Task<CliProcess> StartNode(int i, params string[] args)
    {
        var node = CliProcess.StartInNamespace(PartitionNetwork.Namespace(i),
            ["node", "--json", "--host", PartitionNetwork.Address(i), "--threads", "1", "--exit-on-stdin-close", .. args]);
        await node.WaitForEventAsync("node", _ => true, TimeSpan.FromSeconds(60));
        return node;
    }

    /// <summary>Cluster members with status Up, as `status` run inside the coordinator's namespace reports them (0 when it does not answer).</summary>
    private static int MembersUp(string contact)
    {
        using var status = CliProcess.StartInNamespace(PartitionNetwork.Namespace(0), "status", "--contact", contact, "--json");
        if (status.WaitForExitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult() != 0 || status.Events.Count == 0)
        {
            return 0;
        }

        return status.Events[0].GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up");
    }
}
