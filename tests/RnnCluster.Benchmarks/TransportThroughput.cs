using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Transfer;

namespace RnnCluster.Benchmarks;

/// <summary>
/// Measures tensor throughput between two ActorSystems and the round-trip latency of small messages
/// on the remoting connection while tensors flow: the data plane (the design: tensors on their own TCP
/// connection) against chunks over Akka.Remote (the fallback) and one remoting frame per tensor.
/// </summary>
public static class TransportThroughput
{
    private const int TensorFloats = 4_650_000; // PTB small: 18.6 MB
    private const int Tensors = 30;

    public static object Run() => new
    {
        data_plane = Measure(chunkSize: 1 << 20, window: 2, frame: "2097152b", dataPlane: true).GetAwaiter().GetResult(),
        chunked_1mib_window_2 = Measure(chunkSize: 1 << 20, window: 2, frame: "2097152b").GetAwaiter().GetResult(), // cluster-config defaults
        chunked_256kib_window_4 = Measure(262_144, 4, "1048576b").GetAwaiter().GetResult(),
        one_frame_per_tensor = Measure(chunkSize: 64 << 20, window: 1, frame: "67108864b").GetAwaiter().GetResult(),
    };

    private static async Task<Result> Measure(int chunkSize, int window, string frame, bool dataPlane = false)
    {
        var hocon = $"""
            akka.loglevel = WARNING
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.maximum-frame-size = {frame}
            rnncluster.transfer.chunk-size = {chunkSize}
            rnncluster.transfer.window = {window}
            """;
        var config = ConfigurationFactory.ParseString(hocon).WithFallback(ClusterConfig.Load(["serialization.conf", "remote.conf", "transfer.conf"]));
        using var a = ActorSystem.Create("a", config);
        using var b = ActorSystem.Create("b", config);
        var settings = RunSettings.From(config);
        var bAddress = ((ExtendedActorSystem)b).Provider.DefaultAddress;
        await using var planeA = dataPlane ? DataPlane.Start(a, "127.0.0.1", "127.0.0.1", 0) : null;
        await using var planeB = dataPlane ? DataPlane.Start(b, "127.0.0.1", "127.0.0.1", 0) : null;
        if (planeA is not null && planeB is not null)
        {
            planeA.Learn(bAddress.ToString(), planeB.Endpoint);
        }

        b.ActorOf(Props.Create(() => new Sink(settings)), "sink");
        b.ActorOf(Props.Create(() => new Echo()), "echo");
        var sink = await a.ActorSelection(new RootActorPath(bAddress) / "user" / "sink").ResolveOne(TimeSpan.FromSeconds(10));
        var echo = await a.ActorSelection(new RootActorPath(bAddress) / "user" / "echo").ResolveOne(TimeSpan.FromSeconds(10));
        var baseline = await Pings(echo, 20, CancellationToken.None);

        var done = new TaskCompletionSource<double>();
        var tensor = new float[TensorFloats];
        a.ActorOf(Props.Create(() => new Source(settings, sink, tensor, Tensors, done)));
        using var stop = new CancellationTokenSource();
        var pings = Task.Run(() => Pings(echo, int.MaxValue, stop.Token));
        var seconds = await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        var latencies = await pings;
        latencies.Sort();
        var mb = Tensors * (double)TensorFloats * 4 / 1e6;
        return new Result(mb / seconds, Median(baseline), latencies.Count == 0 ? double.NaN : latencies[latencies.Count / 2],
            latencies.Count == 0 ? double.NaN : latencies[(int)(latencies.Count * 0.99)], latencies.Count == 0 ? double.NaN : latencies[^1]);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static async Task<List<double>> Pings(IActorRef echo, int count, CancellationToken stop)
    {
        var result = new List<double>();
        for (var i = 0; i < count && !stop.IsCancellationRequested; i++)
        {
            var clock = Stopwatch.StartNew();
            await echo.Ask<Pong>(new Ping(i), TimeSpan.FromSeconds(30));
            result.Add(clock.Elapsed.TotalMilliseconds);
            await Task.Delay(10, CancellationToken.None);
        }

        return result;
    }

    private sealed record Result(double MegabytesPerSecond, double IdleMs, double P50Ms, double P99Ms, double MaxMs);

    private sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<Ping>(p => Sender.Tell(new Pong(p.Ticks)));
    }

    private sealed class Sink : ReceiveActor
    {
        public Sink(RunSettings settings)
        {
            var transport = new Transport(settings, Context.System);
            Receive<TensorBlock>(t => Sender.Tell(new Pong(t.Id)));
            Receive<Chunk>(c =>
            {
                if (transport.OnChunk(c, Sender, Self) is TensorBlock t)
                {
                    Sender.Tell(new Pong(t.Id));
                }
            });
        }
    }

    private sealed class Source : ReceiveActor
    {
        public Source(RunSettings settings, IActorRef sink, float[] tensor, int count, TaskCompletionSource<double> done)
        {
            var transport = new Transport(settings, Context.System);
            var clock = Stopwatch.StartNew();
            Receive<ChunkAck>(ack => transport.OnAck(ack, Self));
            Receive<Pong>(p =>
            {
                if (p.Ticks + 1 < count)
                {
                    transport.Send(sink, new TensorBlock(p.Ticks + 1, tensor), Self);
                }
                else
                {
                    done.TrySetResult(clock.Elapsed.TotalSeconds);
                }
            });
            transport.Send(sink, new TensorBlock(0, tensor), Self);
        }
    }
}
