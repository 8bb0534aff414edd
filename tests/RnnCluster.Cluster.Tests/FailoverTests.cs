using System.Diagnostics;
using System.Globalization;
using Akka.Cluster;
using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Tests;

public sealed class FailoverTests
{
    [Theory]
    [InlineData("workers")]
    public async Task Should_resume_a_job_from_its_checkpoint_on_the_other_coordinator_when_the_oldest_dies(string placement)
    {
        var dir = Directory.CreateTempSubdirectory("rnncluster-failover-").FullName;
        var nodes = new List<ClusterNode>();
        try
        {
            // Two epochs: a third would cross the built-in corpus's steep learning phase, which amplifies float
            // summation-order differences (sync cluster vs single process) to several percent, resumed or not.
            var job = TestCluster.SmallJob(workers: 2).WithTraining(t => t with { Epochs = 2 }) with { BuiltinTrainTokens = 8_000, CheckpointEvery = 5, PsPlacement = placement };
            var expected = Reference.Train(job);

            // Terminating this system is a crash: no graceful leave, so the others must detect and down it.
            var crashable = TestCluster.Hocon + "\nakka.coordinated-shutdown.run-by-actor-system-terminate = off";
            var oldest = await ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole], CheckpointDir: dir), crashable);
            nodes.Add(oldest);
            await TestCluster.WaitUntil(() => Akka.Cluster.Cluster.Get(oldest.System).SelfMember.Status == Akka.Cluster.MemberStatus.Up, "first coordinator up");
            string[] seeds = [string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{oldest.Port}")];
            // Sharded placement: the coordinators have directories of their own (two hosts, no shared file
            // system), so the survivor resumes from the replica the oldest sent it.
            var survivorDir = placement == "workers" ? Path.Combine(dir, "survivor") : dir;
            var survivor = await ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole], Seeds: seeds, CheckpointDir: survivorDir), TestCluster.Hocon);
            nodes.Add(survivor);
            for (var i = 0; i < 2; i++)
            {
                nodes.Add(await ClusterNode.StartAsync(new NodeOptions([NodeOptions.WorkerRole], Seeds: seeds), TestCluster.Hocon));
            }

            await TestCluster.WaitUntil(() => Akka.Cluster.Cluster.Get(survivor.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 4, "4 members up");
            // Through the coordinator that survives (clients are taken by coordinators only); the client may
            // still be talking to the oldest's receptionist and then moves over when it dies.
            await using var client = await ClusterClientConnection.ConnectAsync(
                string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{survivor.Port}"), TestCluster.Timeout);
            var sinceSubmit = Stopwatch.StartNew();
            var submitted = await client.SubmitAsync(job, TestCluster.Timeout);
            Assert.True(submitted.Accepted, submitted.Reason);
            var id = submitted.JobId!;

            // A job queued behind it has no checkpoint when the oldest dies: the survivor queues it again from
            // the record of it the oldest's supervisor sent when it accepted it.
            var queued = await client.SubmitAsync(TestCluster.SmallJob(workers: 2).WithTraining(t => t with { MaxSteps = 3 }), TestCluster.Timeout);
            Assert.True(queued.Accepted, queued.Reason);

            var before = new List<JobEvent>();
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            await foreach (var e in client.WatchAsync(id, cancel.Token))
            {
                before.Add(e);
                // in epoch 2, once epoch 1's end (reported after its validation) is in
                if (e is JobProgress { Report.WindowsPerEpoch: > 0 } p && p.Report.Epoch >= 2 && p.Report.Window >= 10 && before.OfType<JobEpoch>().Any())
                {
                    break;
                }
            }

            Assert.DoesNotContain(before, e => e.IsFinal);
            var killedAtStep = before.OfType<JobProgress>().Max(p => p.Report.Step);
            var singletons = Akka.Cluster.Cluster.Get(survivor.System).State.Members
                .Where(m => m.HasRole(NodeOptions.CoordinatorRole)).OrderBy(m => m, Member.AgeOrdering).First();
            Assert.Equal(Akka.Cluster.Cluster.Get(oldest.System).SelfAddress, singletons.Address);
            var clock = Stopwatch.StartNew();
            await oldest.System.Terminate();
            var after = new List<JobEvent>();
            var watching = Task.Run(async () =>
            {
                // The old watch is gone with its supervisor; this one re-subscribes until the new supervisor answers.
                await foreach (var e in client.WatchAsync(id, cancel.Token))
                {
                    lock (after)
                    {
                        after.Add(e);
                    }
                }
            });

            // While the supervisor moves, a client that connects to the survivor gets an answer (its members and
            // a notice), not "no coordinator answered" (the move takes longer than this timeout).
            await using (var during = await ClusterClientConnection.ConnectAsync(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{survivor.Port}"), TimeSpan.FromSeconds(10)))
            {
                var status = await during.GetStatusAsync(TimeSpan.FromSeconds(10));
                Assert.True(status.Notice is not null || status.Jobs.Any(j => j.Id == id), "neither a notice nor the job");
            }

            // The first progress after resume: status shows the job's step moving past where the new supervisor found it.
            long? resumedAt = null;
            TimeSpan? failover = null;
            string? stateWhileResumed = null;
            while (failover is null && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                JobStatus? status = null;
                try
                {
                    status = (await client.GetStatusAsync(TimeSpan.FromSeconds(2))).Jobs.SingleOrDefault(j => j.Id == id);
                }
                catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TaskCanceledException or TimeoutException)
                {
                }

                if (status is not null)
                {
                    resumedAt ??= status.Step;
                    if (status.Step > resumedAt || status.State == JobStates.Completed)
                    {
                        failover = clock.Elapsed;
                        stateWhileResumed = status.State;
                    }
                }

                await Task.Delay(100);
            }

            await watching;
            var sinceSubmitted = sinceSubmit.Elapsed.TotalSeconds;
            var done = Assert.IsType<JobCompleted>(after[^1]);
            // Seen running again, unless the short job finished while the client moved to the survivor.
            Assert.Contains(stateWhileResumed, new[] { JobStates.Running, JobStates.Completed });
            Assert.Equal(JobStates.Completed, (await client.GetStatusAsync(TestCluster.Timeout)).Jobs.Single(j => j.Id == id).State);
            // From a recent checkpoint: the client sees progress a little late, so the job may have gone
            // further, and checkpoint writes and their replication run beside training, so on a loaded
            // machine the newest few may not have reached the survivor (seen with checkpoints every 5 steps:
            // killed after step 144, resumed at 135; with the suite's other projects running beside it, killed
            // after 152, resumed at 134; with a two-thread training beside the suite, killed after 157 and 163,
            // resumed at 135 and 134: about 1.5 s of this job's steps).
            Assert.True(resumedAt >= killedAtStep - (8 * job.CheckpointEvery), $"resumed at step {resumedAt}, killed after step {killedAtStep}");
            // Every epoch's tokens once: the total is restored from the checkpoint, so a window skipped or redone would show.
            // (The resumed epoch's own report may come before the new watch is subscribed.)
            var epochs = before.Concat(after).OfType<JobEpoch>().ToList();
            Assert.Contains(epochs, e => e.Report.Epoch == 1);
            Assert.All(epochs, e => Assert.Equal(e.TokensExpected, e.Report.Tokens));
            Assert.Equal(epochs[0].TokensExpected * job.Training.Epochs, done.Summary.Tokens);
            Assert.Equal(expected.Steps, done.Summary.Steps);
            var relative = Math.Abs(done.Summary.ValidPerplexity - expected.ValidPerplexity) / expected.ValidPerplexity;
            Assert.True(relative < 0.02, $"valid ppl {done.Summary.ValidPerplexity} vs undisturbed {expected.ValidPerplexity}");
            Assert.True(File.Exists(Path.Combine(survivorDir, id + ".completed.rnnc")));
            // The summary's wall time covers the whole job (the failover too), not only the resumed part.
            Assert.True(done.Summary.WallSeconds > sinceSubmitted - 5 && done.Summary.WallSeconds <= sinceSubmitted, $"wall {done.Summary.WallSeconds:F1} s; {sinceSubmitted:F1} s since the job was submitted");
            using (var queuedWatch = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                JobEvent? last = null;
                await foreach (var e in client.WatchAsync(queued.JobId!, queuedWatch.Token))
                {
                    last = e;
                }

                Assert.IsType<JobCompleted>(last);
                Assert.True(File.Exists(Path.Combine(survivorDir, "replicas", queued.JobId + ".completed.json")),
                    string.Join(", ", Directory.EnumerateFiles(survivorDir, "*", SearchOption.AllDirectories).Select(Path.GetFileName)));
                Assert.Empty(AcceptedJobs.Unstarted(survivorDir, out _)); // a restart would not queue it a second time
            }

            Console.WriteLine($"failover: killed at step {killedAtStep}, resumed at {resumedAt}; first progress after resume {failover!.Value.TotalSeconds:F1} s later; "
                + $"valid ppl {done.Summary.ValidPerplexity:R} vs undisturbed {expected.ValidPerplexity:R} (relative {relative:E2})");
        }
        finally
        {
            foreach (var node in Enumerable.Reverse(nodes))
            {
                await node.DisposeAsync();
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Should_fail_a_job_that_moves_to_a_coordinator_without_checkpoints_and_let_the_old_coordinator_rejoin()
    {
        var dir = Directory.CreateTempSubdirectory("rnncluster-failover-").FullName;
        var nodes = new List<ClusterNode>();
        try
        {
            var job = TestCluster.SmallJob(workers: 1).WithTraining(t => t with { Epochs = 50 }) with { BuiltinTrainTokens = 8_000, CheckpointEvery = 5 };
            var crashable = TestCluster.Hocon + "\nakka.coordinated-shutdown.run-by-actor-system-terminate = off";
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var oldest = await ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole], Port: port, CheckpointDir: dir), crashable);
            nodes.Add(oldest);
            await TestCluster.WaitUntil(() => Akka.Cluster.Cluster.Get(oldest.System).SelfMember.Status == Akka.Cluster.MemberStatus.Up, "first coordinator up");
            string[] seeds = [string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}")];
            var survivor = await ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole], Seeds: seeds), TestCluster.Hocon); // no --checkpoint-dir
            nodes.Add(survivor);
            nodes.Add(await ClusterNode.StartAsync(new NodeOptions([NodeOptions.WorkerRole], Seeds: seeds), TestCluster.Hocon));
            await TestCluster.WaitUntil(() => Akka.Cluster.Cluster.Get(survivor.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 3, "3 members up");
            await TestCluster.WaitUntil(() => File.Exists(Path.Combine(dir, "coordinators.txt")) && File.ReadAllLines(Path.Combine(dir, "coordinators.txt")).Length == 2, "both coordinators recorded");

            await using var client = await ClusterClientConnection.ConnectAsync(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{survivor.Port}"), TestCluster.Timeout);

            // A job that ends under the first supervisor stays in the status after the supervisor moves.
            var earlier = await client.SubmitAsync(job.WithTraining(t => t with { Epochs = 1 }), TestCluster.Timeout);
            Assert.True(earlier.Accepted, earlier.Reason);
            await TestCluster.WaitUntil(() => File.Exists(Path.Combine(dir, earlier.JobId + ".completed.rnnc")), "the earlier job completed");
            var earlierStatus = (await client.GetStatusAsync(TestCluster.Timeout)).Jobs.Single(j => j.Id == earlier.JobId);

            var submitted = await client.SubmitAsync(job, TestCluster.Timeout);
            Assert.True(submitted.Accepted, submitted.Reason);
            var id = submitted.JobId!;
            await TestCluster.WaitUntil(() => File.Exists(JobCheckpoints.PathFor(dir, id)), "the first checkpoint");
            await oldest.System.Terminate(); // a crash

            // The job's supervisor moves to a coordinator that holds no checkpoint: the job fails, saying why.
            JobStatus? lost = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (lost?.State != JobStates.Failed && DateTime.UtcNow < deadline)
            {
                try
                {
                    lost = (await client.GetStatusAsync(TimeSpan.FromSeconds(3))).Jobs.SingleOrDefault(j => j.Id == id);
                }
                catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TaskCanceledException or TimeoutException)
                {
                }

                await Task.Delay(200);
            }

            Assert.Equal(JobStates.Failed, lost?.State);
            Assert.Contains("without --checkpoint-dir", lost!.Reason, StringComparison.Ordinal);
            var listed = (await client.GetStatusAsync(TestCluster.Timeout)).Jobs;
            Assert.Equal([earlier.JobId!, id], listed.Select(j => j.Id));
            Assert.Equal((JobStates.Completed, earlierStatus.Epoch, earlierStatus.Step, earlierStatus.ValidPpl), (listed[0].State, listed[0].Epoch, listed[0].Step, listed[0].ValidPpl));

            // The crashed coordinator, started again without seeds on its port and directory, joins the
            // cluster that went on (not a second one), and marks its stale checkpoint of the job as failed.
            var again = await ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole], Port: port, CheckpointDir: dir), TestCluster.Hocon);
            nodes.Add(again);
            await TestCluster.WaitUntil(() => Akka.Cluster.Cluster.Get(survivor.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 3, "the restarted coordinator up in the same cluster");
            await TestCluster.WaitUntil(() => File.Exists(Path.Combine(dir, id + ".failed.rnnc")) && !File.Exists(JobCheckpoints.PathFor(dir, id)), "the stale checkpoint marked failed");
            // The supervisor runs on the coordinator without --checkpoint-dir now: a job asking for checkpoints is refused there.
            var refused = await client.SubmitAsync(job, TestCluster.Timeout);
            Assert.False(refused.Accepted);
            Assert.Contains("this coordinator has no --checkpoint-dir", refused.Reason, StringComparison.Ordinal);
            var next = await client.SubmitAsync(job.WithTraining(t => t with { Epochs = 1 }) with { CheckpointEvery = 0 }, TestCluster.Timeout);
            Assert.True(next.Accepted, next.Reason);
            Assert.True(JobCheckpoints.JobNumber(next.JobId!) > JobCheckpoints.JobNumber(id), $"{next.JobId} after {id}");
        }
        finally
        {
            foreach (var node in Enumerable.Reverse(nodes))
            {
                await node.DisposeAsync();
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Coordinators_restarted_together_without_seeds_form_one_cluster()
    {
        // Each restarted coordinator joins the coordinators its own directory recorded; were each to
        // found a cluster when the other did not answer at once, two clusters would resume the same jobs.
        string[] dirs = [Directory.CreateTempSubdirectory("rnncluster-restart-a-").FullName, Directory.CreateTempSubdirectory("rnncluster-restart-b-").FullName];
        var nodes = new List<ClusterNode>();
        try
        {
            var crashable = TestCluster.Hocon + "\nakka.coordinated-shutdown.run-by-actor-system-terminate = off";
            var ports = new int[2];
            for (var i = 0; i < 2; i++)
            {
                using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
                probe.Start();
                ports[i] = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
            }

            var first = await ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole], Port: ports[0], CheckpointDir: dirs[0]), crashable);
            nodes.Add(first);
            await TestCluster.WaitUntil(() => Akka.Cluster.Cluster.Get(first.System).SelfMember.Status == Akka.Cluster.MemberStatus.Up, "first coordinator up");
            nodes.Add(await ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole], Port: ports[1], CheckpointDir: dirs[1],
                Seeds: [string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{ports[0]}")]), crashable));
            await TestCluster.WaitUntil(() => dirs.All(d => File.Exists(Path.Combine(d, "coordinators.txt")) && File.ReadAllLines(Path.Combine(d, "coordinators.txt")).Length == 2), "both coordinators recorded in both directories");
            await Task.WhenAll(nodes.Select(n => n.System.Terminate())); // both crash
            nodes.Clear();

            var restarted = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole], Port: ports[i], CheckpointDir: dirs[i]), TestCluster.Hocon)));
            nodes.AddRange(restarted);
            await TestCluster.WaitUntil(() => restarted.All(n => Akka.Cluster.Cluster.Get(n.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2), "one cluster of both coordinators");
        }
        finally
        {
            foreach (var node in Enumerable.Reverse(nodes))
            {
                await node.DisposeAsync();
            }

            foreach (var dir in dirs)
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
