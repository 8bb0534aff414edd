using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Tests;

public sealed class TransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // Small chunks so every message below is many chunks and several transfers overlap.
    private static readonly Config RemoteConfig = ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            akka.actor.provider = remote
            rnncluster.transfer.chunk-size = 65536
            rnncluster.transfer.window = 2
            """).WithFallback(ClusterConfig.Load(["serialization.conf", "remote.conf", "transfer.conf"]));

    [Fact]
    public async Task Should_serialize_a_broadcast_once_and_deliver_every_message_intact_to_every_receiver()
    {
        using var sender = ActorSystem.Create("sender", RemoteConfig);
        using var receiver = ActorSystem.Create("receiver", RemoteConfig);
        var settings = RunSettings.From(RemoteConfig);
        var received = Channel.CreateUnbounded<(string Sink, TensorBlock Block)>();
        var sinks = new List<IActorRef>();
        foreach (var name in new[] { "sink-a", "sink-b" })
        {
            receiver.ActorOf(Props.Create(() => new Sink(settings, name, received.Writer)), name);
            var address = ((ExtendedActorSystem)receiver).Provider.DefaultAddress;
            sinks.Add(await sender.ActorSelection(new RootActorPath(address) / "user" / name).ResolveOne(Timeout));
        }

        const int Messages = 5;
        const int Floats = 100_000; // 400 KB: 7 chunks of 64 KiB
        var broadcaster = sender.ActorOf(Props.Create(() => new Broadcaster(settings, sinks, Messages, Floats)));

        var seen = new List<(string Sink, TensorBlock Block)>();
        using var deadline = new CancellationTokenSource(Timeout);
        while (seen.Count < Messages * sinks.Count)
        {
            seen.Add(await received.Reader.ReadAsync(deadline.Token));
        }

        foreach (var (sink, block) in seen)
        {
            Assert.Equal(Floats, block.Values.Length);
            Assert.All(block.Values, v => Assert.Equal(block.Id, v));
        }

        Assert.Equal(Messages, seen.Count(s => s.Sink == "sink-a"));
        Assert.Equal(Messages, seen.Count(s => s.Sink == "sink-b"));
        var (encoded, sent) = await broadcaster.Ask<(long Encoded, long Sent)>("stats", Timeout);
        Assert.Equal(Messages, encoded);
        Assert.InRange(sent, sinks.Count * Messages * Floats * 4L, (sinks.Count * Messages * Floats * 4L) + 1000);
    }

    [Fact]
    public async Task Should_give_a_receiver_in_the_same_system_a_copy_of_a_message_that_views_the_senders_buffers()
    {
        using var system = ActorSystem.Create("local", RemoteConfig);
        var settings = RunSettings.From(RemoteConfig);
        var inbox = Channel.CreateUnbounded<object>();
        var receiver = system.ActorOf(Props.Create(() => new Collect(inbox.Writer)));
        var weights = new[] { 1f, 2f, 3f, 4f };
        var update = new WeightUpdate("job-1", 2, new WeightPatch(true, weights, [], ReadOnlyMemory<float>.Empty));
        var plain = new TensorBlock(5, weights);

        new Transport(settings).Broadcast([receiver], update, ActorRefs.Nobody);
        new Transport(settings).Send(receiver, plain, ActorRefs.Nobody);
        weights[0] = -1f;

        var gotUpdate = Assert.IsType<WeightUpdate>(await inbox.Reader.ReadAsync().AsTask().WaitAsync(Timeout));
        var gotPlain = Assert.IsType<TensorBlock>(await inbox.Reader.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal([1f, 2f, 3f, 4f], gotUpdate.Patch.Dense.ToArray());
        Assert.Same(plain, gotPlain);
    }

    private sealed class Broadcaster : ReceiveActor
    {
        public Broadcaster(RunSettings settings, List<IActorRef> sinks, int messages, int floats)
        {
            var transport = new Transport(settings);
            Receive<ChunkAck>(a => transport.OnAck(a, Self));
            Receive<string>(_ => Sender.Tell((transport.MessagesEncoded, transport.BytesSent)));
            // All broadcasts are issued at once, so several pooled buffers are in flight together.
            for (var m = 0; m < messages; m++)
            {
                transport.Broadcast(sinks, new TensorBlock(m, Enumerable.Repeat((float)m, floats).ToArray()), Self);
            }
        }
    }

    private sealed class Sink : ReceiveActor
    {
        public Sink(RunSettings settings, string name, ChannelWriter<(string, TensorBlock)> received)
        {
            var transport = new Transport(settings);
            Receive<Chunk>(c =>
            {
                if (transport.OnChunk(c, Sender, Self) is TensorBlock block)
                {
                    received.TryWrite((name, block));
                }
            });
        }
    }

    private sealed class Collect : ReceiveActor
    {
        public Collect(ChannelWriter<object> inbox) => ReceiveAny(m => inbox.TryWrite(m));
    }
}
