using System.Globalization;
using System.Text.RegularExpressions;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// Network partitions with real node processes in Linux network namespaces (see
/// <see cref="PartitionNetwork"/>): a link is cut with iptables while a job trains, and healed.
/// </summary>
public sealed class PartitionTests(Xunit.Abstractions.ITestOutputHelper output)
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
            await NodeCluster.StopAsync(nodes);
        }
    }

    [Fact]
    public async Task The_coordinator_cut_off_is_downed_before_the_other_coordinator_resumes_the_job_from_its_checkpoint()
    {
        // Namespaces 0 and 1: coordinators (0 the oldest, hosting the job's supervisor and parameter
        // server), 2 and 3: workers. Each coordinator has its own checkpoint directory, as on two hosts:
        // the other one resumes from the replica the oldest sent it over the cluster.
        using var network = PartitionNetwork.Create(4);
        var checkpoints = Directory.CreateTempSubdirectory("rnncluster-partition-").FullName;
        string[] dirs = [Path.Combine(checkpoints, "oldest"), Path.Combine(checkpoints, "other")];
        var (oldest, other) = ($"{PartitionNetwork.Address(0)}:{Port}", $"{PartitionNetwork.Address(1)}:{Port}");
        var seeds = $"{oldest},{other}";
        var nodes = new List<CliProcess>();
        try
        {
            string[] coordinator = ["--roles", "coordinator", "--port", $"{Port}", "--seeds", seeds, "--http-port", "0", "--join-timeout", "120"];
            nodes.Add(await StartNode(0, [.. coordinator, "--checkpoint-dir", dirs[0]]));
            await Until(() => MembersUp(oldest) == 1, Timeout, () => nodes[0].Describe()); // it founded the cluster: the oldest
            nodes.Add(await StartNode(1, [.. coordinator, "--checkpoint-dir", dirs[1]]));
            for (var i = 2; i <= 3; i++)
            {
                nodes.Add(await StartNode(i, "--roles", "worker", "--port", $"{Port}", "--seeds", seeds, "--join-timeout", "120"));
            }

            await Until(() => MembersUp(other) == 4, Timeout, () => nodes[1].Describe());
            using (var submit = CliProcess.StartInNamespace(PartitionNetwork.Namespace(1), ["submit", "--contact", other, "--json", "--checkpoint-every", "100", .. Job]))
            {
                Assert.True(await submit.WaitForExitAsync(Timeout) == 0, submit.Describe());
            }

            var replica = Path.Combine(dirs[1], "replicas", "job-1.rnnc");
            await Until(() => File.Exists(replica) && JobStep(other) >= 150, Timeout, () => nodes[0].Describe());
            network.Cut(0);
            var cutAt = DateTime.UtcNow;

            // The oldest coordinator, alone in its partition, downs itself; the other side downs it too,
            // and the singletons move: the other coordinator resumes the job from its replica of the checkpoint.
            var cutOff = nodes[0];
            await Until(() => cutOff.Errors.Contains("this node was downed by the cluster", StringComparison.Ordinal), Timeout, () => cutOff.Describe());
            await Until(() => nodes[1].Errors.Contains("resuming job-1 from", StringComparison.Ordinal), Timeout, () => nodes[1].Describe());
            network.Heal(0);
            using var watch = CliProcess.StartInNamespace(PartitionNetwork.Namespace(1), "watch", "--contact", other, "job-1", "--json");
            Assert.True(await watch.WaitForExitAsync(Timeout) == 0, watch.Describe());
            Assert.All(watch.EventsNamed("epoch"), e => Assert.Equal(e.GetProperty("tokens_expected").GetInt64(), e.GetProperty("tokens_accounted").GetInt64()));
            Assert.Equal(3000, Assert.Single(watch.EventsNamed("summary")).GetProperty("steps").GetInt64());

            // Never two parameter servers for the job: the cut-off coordinator's actor system (its
            // supervisor and parameter server with it) stopped before the other one resumed the job.
            var stopped = LogTime(cutOff.Errors, "CoordinatedShutdown invoked due to [Reason:Akka.Actor.CoordinatedShutdown+ClusterDowningReason]");
            var resumed = LogTime(nodes[1].Errors, "resuming job-1 from");
            Assert.True(stopped < resumed, $"the cut-off coordinator stopped at {stopped:O}, the job resumed on the other at {resumed:O}");
            var unreachable = nodes[1].Errors.Contains("Marking node(s) as UNREACHABLE", StringComparison.Ordinal) ? LogTime(nodes[1].Errors, "Marking node(s) as UNREACHABLE") : cutAt;
            output.WriteLine($"cut at 0 s; the other coordinator saw it unreachable at {(unreachable - cutAt).TotalSeconds:F1} s; "
                + $"the cut-off coordinator downed itself and stopped at {(stopped - cutAt).TotalSeconds:F1} s; the job resumed from its checkpoint on the other at {(resumed - cutAt).TotalSeconds:F1} s");
            Assert.Single(Regex.Matches(cutOff.Errors + nodes[1].Errors, "resuming job-1 from"));

            Assert.Contains($"resuming job-1 from {replica}", nodes[1].Errors, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dirs[1], "job-1.completed.rnnc")));

            // Healed: the downed coordinator restarted and rejoined through the other seed, and learnt that
            // job-1 ended: the file it wrote before the cut is marked so, never to be resumed again.
            await Until(() => cutOff.EventsNamed("node").Count() >= 2 && MembersUp(other) == 4, Timeout, () => cutOff.Describe());
            await Until(() => File.Exists(Path.Combine(dirs[0], "job-1.completed.rnnc")) && !File.Exists(Path.Combine(dirs[0], "job-1.rnnc")), Timeout, () => cutOff.Describe());
        }
        finally
        {
            await NodeCluster.StopAsync(nodes);
            Directory.Delete(checkpoints, recursive: true);
        }
    }

    /// <summary>The time of the first log line holding <paramref name="text"/> (Akka's "[LEVEL][MM/dd/yyyy HH:mm:ss.fffZ]…" lines).</summary>
    private static DateTime LogTime(string log, string text)
    {
        var line = log.Split('\n').First(l => l.Contains(text, StringComparison.Ordinal));
        var stamp = Regex.Match(line, @"\]\[(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d\.\d+)Z\]").Groups[1].Value;
        return DateTime.ParseExact(stamp, "MM/dd/yyyy HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    /// <summary>job-1's step as `status` run inside namespace 1 reports it (−1 when it does not answer or has no such job).</summary>
    private static long JobStep(string contact)
    {
        using var status = CliProcess.StartInNamespace(PartitionNetwork.Namespace(1), "status", "--contact", contact, "--json");
        if (status.WaitForExitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult() != 0 || status.Events.Count == 0)
        {
            return -1;
        }

        return status.Events[0].GetProperty("jobs").EnumerateArray().Where(j => j.GetProperty("id").GetString() == "job-1")
            .Select(j => j.GetProperty("step").GetInt64()).DefaultIfEmpty(-1).First();
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

    /// <summary>The node (namespace) whose address <paramref name="contact"/> is.</summary>
    private static int NodeOf(string contact) => int.Parse(contact.Split(':')[0].Split('.')[^1], CultureInfo.InvariantCulture) - 1;

    /// <summary>Cluster members with status Up, as `status` run inside the contact's namespace reports them (0 when it does not answer).</summary>
    private static int MembersUp(string contact)
    {
        using var status = CliProcess.StartInNamespace(PartitionNetwork.Namespace(NodeOf(contact)), "status", "--contact", contact, "--json");
        if (status.WaitForExitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult() != 0 || status.Events.Count == 0)
        {
            return 0;
        }

        return status.Events[0].GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up");
    }
}
