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
    [InlineData("[::1]:4053", "[::1]:4053")]
    public void A_contact_is_host_port_or_a_nodes_address(string given, string expected) => Assert.Equal(expected, ClusterAddresses.HostPort(given));

    [Theory]
    [InlineData("http://127.0.0.1:15041", "is not host:port")]
    [InlineData("akka.tcp://other@127.0.0.1:15041", "is the address of an actor system named 'other', not of an RnnCluster node (akka.tcp://rnncluster@host:port)")]
    [InlineData("akka.ssl.tcp://@127.0.0.1:15041", "is the address of an actor system named '', not of an RnnCluster node")]
    [InlineData("user@127.0.0.1:15041", "is not host:port")]
    [InlineData("127.0.0.1", "is not host:port")]
    [InlineData(":4053", "is not host:port")]
    [InlineData("127.0.0.1:99999", "'127.0.0.1:99999': the port '99999' is not a number from 1 to 65535")]
    [InlineData("127.0.0.1:0", "the port '0' is not a number from 1 to 65535")]
    [InlineData("127.0.0.1:http", "the port 'http' is not a number from 1 to 65535")]
    [InlineData("::1:4053", "'::1:4053': an IPv6 address goes in brackets, as [::1]:4053")]
    [InlineData("[::1]", "is not host:port")]
    [InlineData("[::1:4053", "is not host:port")]
    [InlineData("127.0.0.1:4053,127.0.0.1:4054", "is not host:port")]
    public void Anything_else_is_refused_saying_what_is_wrong(string given, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => ClusterAddresses.ParseContact(given));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("(e.g. 127.0.0.1:4053, or a node's address as its `node` line prints it)", error.Message, StringComparison.Ordinal);
    }
}
