using System.Diagnostics;
using Akka.Actor;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Diagnostics;

namespace RnnCluster.Cluster.Actors;

/// <summary>Every node's <c>/user/node-stats</c>: answers <see cref="GetNodeStats"/> with this process's <see cref="NodeStats"/>.</summary>
public sealed class NodeStatsReporter : ReceiveActor
{
    public const string Name = "node-stats";

    public NodeStatsReporter()
    {
        var address = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        Receive<GetNodeStats>(_ =>
        {
            using var process = Process.GetCurrentProcess();
            Sender.Tell(new NodeStats(address, process.WorkingSet64 / (1024.0 * 1024.0), PeakMemory.ResidentMb(), process.TotalProcessorTime.TotalSeconds,
                Environment.ProcessorCount, (DateTime.Now - process.StartTime).TotalSeconds));
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new NodeStatsReporter());
}
