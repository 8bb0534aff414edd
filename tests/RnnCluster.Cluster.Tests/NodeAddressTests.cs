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

    [Fact]
    public async Task Should_reach_a_node_advertised_as_127_0_0_1_through_localhost()
    {
        await using var coordinator = await ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole]), TestCluster.Hocon);
        Assert.Equal("127.0.0.1", Akka.Cluster.Cluster.Get(coordinator.System).SelfAddress.Host);

        // A client's --contact by name: tried as written and as the addresses the name resolves to.
        await using var client = await ClusterClientConnection.ConnectAsync($"localhost:{coordinator.Port}", TestCluster.Timeout);
        Assert.NotNull(await client.GetStatusAsync(TestCluster.Timeout));
    }

    [Fact]
    public void Should_try_a_name_as_its_ipv4_addresses_and_an_address_as_itself()
    {
        var localhost = ClusterAddresses.CandidateAddresses("localhost:4053").Select(a => a.ToString()).ToArray();
        Assert.Contains("akka.tcp://rnncluster@127.0.0.1:4053", localhost);
        Assert.Equal("akka.tcp://rnncluster@localhost:4053", localhost[^1]);
        Assert.Equal(["akka.tcp://rnncluster@10.1.2.3:7"], ClusterAddresses.CandidateAddresses("10.1.2.3:7").Select(a => a.ToString()));
        Assert.Equal(["akka.tcp://rnncluster@no-such-host.invalid:7"], ClusterAddresses.CandidateAddresses("no-such-host.invalid:7").Select(a => a.ToString()));
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

    [Theory]
    [InlineData("127.0.0.1:4053", "127.0.0.1:4053")]
    [InlineData("akka.tcp://rnncluster@127.0.0.1:15041", "127.0.0.1:15041")] // the address a `node` line prints
    [InlineData("akka.ssl.tcp://rnncluster@node-a:4053/", "node-a:4053")]
    public void A_contact_is_host_port_or_a_nodes_address(string given, string expected) => Assert.Equal(expected, ClusterAddresses.HostPort(given));

    [Theory]
    [InlineData("http://127.0.0.1:15041")]
    [InlineData("akka.tcp://other@127.0.0.1:15041")]
    [InlineData("user@127.0.0.1:15041")]
    [InlineData("127.0.0.1")]
    [InlineData(":4053")]
    [InlineData("127.0.0.1:99999")]
    public void Anything_else_is_refused_naming_the_form(string given)
    {
        var error = Assert.Throws<ArgumentException>(() => ClusterAddresses.ParseContact(given));

        Assert.Contains("is not host:port (e.g. 127.0.0.1:4053, or a node's address as its `node` line prints it)", error.Message, StringComparison.Ordinal);
    }
}
