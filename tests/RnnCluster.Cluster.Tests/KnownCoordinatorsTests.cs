using Akka.Actor;
using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Hosting;

namespace RnnCluster.Cluster.Tests;

public sealed class KnownCoordinatorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnncluster-known-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_coordinator_restarted_on_its_own_port_does_not_wait_for_an_earlier_self_on_a_throwaway_port()
    {
        var original = Address.Parse("akka.tcp://rnncluster@127.0.0.1:4053");
        var throwaway = Address.Parse("akka.tcp://rnncluster@127.0.0.1:39001"); // once started with --port 0: sorts first
        var other = Address.Parse("akka.tcp://rnncluster@10.0.0.2:4053");
        KnownCoordinators.Write(_dir, [original, throwaway, other]);
        KnownCoordinators.RecordSelf(_dir, throwaway);

        Assert.Equal([other], KnownCoordinators.Others(_dir, original));
        Assert.Equal([other, original], ClusterNode.RestartSeeds(_dir, original));
    }

    [Fact]
    public void Without_a_record_of_itself_every_other_recorded_coordinator_counts()
    {
        var self = Address.Parse("akka.tcp://rnncluster@127.0.0.1:4053");
        var other = Address.Parse("akka.tcp://rnncluster@127.0.0.1:4054");
        KnownCoordinators.Write(_dir, [self, other]);

        Assert.Equal([other], KnownCoordinators.Others(_dir, self));
        Assert.Equal([self, other], ClusterNode.RestartSeeds(_dir, self));
    }
}
