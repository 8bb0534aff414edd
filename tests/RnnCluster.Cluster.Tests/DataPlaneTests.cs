using System.Net.Sockets;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Transfer;

namespace RnnCluster.Cluster.Tests;

public sealed class DataPlaneTests
{
    [Fact]
    public async Task Should_carry_the_tensors_of_a_job_over_the_data_plane()
    {
        var job = TestCluster.SmallJob(workers: 2) with { PsPlacement = "coordinator" };
        await using var cluster = await TestCluster.StartAsync(2);

        var events = await cluster.WatchAsync(await cluster.SubmitAsync(job));

        var done = Assert.IsType<JobCompleted>(events[^1]);
        var coordinator = DataPlane.Of(cluster.Coordinator.System)!;
        var workers = cluster.Workers.Select(w => DataPlane.Of(w.System)!).ToList();
        var bytesPerStepUp = coordinator.BytesReceived / (double)done.Summary.Steps;
        var bytesPerStepDown = workers.Sum(w => w.BytesReceived) / (double)done.Summary.Steps;

        // Every step the server receives two gradients and sends two steps (and weight updates).
        Assert.True(bytesPerStepUp > 2 * 4 * 32 * 32, $"the coordinator's data plane received {bytesPerStepUp:F0} bytes per step");
        Assert.All(workers, w => Assert.True(w.BytesReceived > 0, "a worker's data plane received nothing"));
        Assert.InRange(done.StepTimings!.MbUp * 1e6, bytesPerStepUp * 0.5, bytesPerStepUp * 2);
        Assert.Equal(cluster.Coordinator.Options.AdvertisedHost, coordinator.Endpoint.Split(':')[0]);
    }

    [Fact]
    public async Task Should_move_a_sharded_servers_tensors_between_the_workers()
    {
        var job = TestCluster.SmallJob(workers: 2) with { PsPlacement = "workers" };
        await using var cluster = await TestCluster.StartAsync(2);

        var events = await cluster.WatchAsync(await cluster.SubmitAsync(job));

        var done = Assert.IsType<JobCompleted>(events[^1]);
        var coordinator = DataPlane.Of(cluster.Coordinator.System)!;
        var workerBytes = cluster.Workers.Select(w => DataPlane.Of(w.System)!.BytesReceived / (double)done.Summary.Steps).ToList();
        var coordinatorBytes = coordinator.BytesReceived / (double)done.Summary.Steps;

        // Each worker receives the other's gradient slice and weight slice every step; the server only states and losses.
        Assert.All(workerBytes, b => Assert.True(b > 3 * coordinatorBytes, $"a worker received {b:F0} bytes per step, the coordinator {coordinatorBytes:F0}"));
        Assert.InRange(done.StepTimings!.WorkerMbReceived * 1e6, workerBytes.Min() * 0.5, workerBytes.Max() * 2);
    }

    [Fact]
    public async Task Should_close_a_connection_that_sends_garbage_and_keep_serving()
    {
        var job = TestCluster.SmallJob(workers: 1);
        await using var cluster = await TestCluster.StartAsync(1);
        var endpoint = DataPlane.Of(cluster.Workers[0].System)!.Endpoint.Split(':');
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(endpoint[0], int.Parse(endpoint[1], System.Globalization.CultureInfo.InvariantCulture));
            await client.GetStream().WriteAsync(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 });
        }

        var events = await cluster.WatchAsync(await cluster.SubmitAsync(job));

        Assert.IsType<JobCompleted>(events[^1]);
    }
}
