using System.Net.Sockets;
using RnnCluster.Cluster.Hosting;

namespace RnnCluster.Cluster.Tests;

public sealed class NodeAddressTests
{
    [Fact]
    public async Task Should_bind_the_host_and_advertise_the_public_host()
    {
        var options = new NodeOptions([NodeOptions.CoordinatorRole], Host: "0.0.0.0", PublicHost: "127.0.0.1");
        await using var coordinator = await ClusterNode.StartAsync(options, TestCluster.Hocon);
        var self = Akka.Cluster.Cluster.Get(coordinator.System).SelfAddress;
        Assert.Equal("127.0.0.1", self.Host);
        Assert.Equal(coordinator.Port, self.Port);

        // Bound to every interface: another loopback address reaches the same socket.
        using (var probe = new TcpClient())
        {
            await probe.ConnectAsync("127.0.0.2", coordinator.Port).WaitAsync(TestCluster.Timeout);
        }

        await using var worker = await ClusterNode.StartAsync(
            new NodeOptions([NodeOptions.WorkerRole], Seeds: [$"127.0.0.1:{coordinator.Port}"]), TestCluster.Hocon);
        await TestCluster.WaitUntil(
            () => Akka.Cluster.Cluster.Get(coordinator.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2,
            "the worker joined through the advertised address");
    }

    [Theory]
    [InlineData("0.0.0.0", null)]
    [InlineData("127.0.0.1", "::")]
    public void Should_refuse_to_advertise_a_wildcard_address(string host, string? publicHost)
    {
        var options = new NodeOptions([NodeOptions.WorkerRole], Host: host, PublicHost: publicHost);

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("public host", error.Message, StringComparison.Ordinal);
    }
}
