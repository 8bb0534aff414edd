using Akka.Actor;
using RnnCluster.Core.Checkpoints;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// <c>&lt;checkpoint-dir&gt;/coordinators.txt</c>: the coordinators (Akka addresses, one per line) of the
/// cluster this coordinator last ran in, kept by its <see cref="CheckpointReplicator"/>. A coordinator
/// started again without <c>--seeds</c> tries them before founding a cluster of its own, so that it
/// rejoins the cluster that carried on without it instead of starting a second one that would resume
/// that cluster's jobs from its own stale checkpoints (see <see cref="Hosting.ClusterNode"/>).
/// </summary>
public static class KnownCoordinators
{
    private const string FileName = "coordinators.txt";

    /// <summary>The recorded coordinators other than <paramref name="self"/>; empty when none or the file is unreadable.</summary>
    public static IReadOnlyList<Address> Others(string dir, Address self)
    {
        try
        {
            var path = Path.Combine(dir, FileName);
            return File.Exists(path)
                ? [.. File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).Select(Address.Parse).Where(a => !a.Equals(self)).Distinct()]
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UriFormatException or ArgumentException)
        {
            return [];
        }
    }

    /// <summary>Records <paramref name="coordinators"/> atomically.</summary>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static void Write(string dir, IEnumerable<Address> coordinators)
        => AtomicFile.Write(Path.Combine(dir, FileName), stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            foreach (var address in coordinators.Select(a => a.ToString()).Order(StringComparer.Ordinal))
            {
                writer.WriteLine(address);
            }
        });
}
