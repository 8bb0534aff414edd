using Akka.Actor;
using RnnCluster.Core.Checkpoints;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// <c>&lt;checkpoint-dir&gt;/coordinators.txt</c>: the coordinators (Akka addresses, one per line) of the
/// cluster this coordinator last ran in, kept by its <see cref="CheckpointReplicator"/>. A coordinator
/// started again without <c>--seeds</c> tries them before founding a cluster of its own, so that it
/// rejoins the cluster that carried on without it instead of starting a second one that would resume
/// that cluster's jobs from its own stale checkpoints (see <see cref="Hosting.ClusterNode"/>).
/// <c>coordinator-self.txt</c> holds the address this directory's coordinator last had: an earlier self
/// on another port (say started once with <c>--port 0</c>) is no other coordinator to wait for.
/// </summary>
public static class KnownCoordinators
{
    private const string FileName = "coordinators.txt";
    private const string SelfFileName = "coordinator-self.txt";

    /// <summary>
    /// The recorded coordinators other than <paramref name="self"/> and this directory's coordinator as it
    /// last ran (<see cref="RecordSelf"/>); empty when none or the file is unreadable.
    /// </summary>
    public static IReadOnlyList<Address> Others(string dir, Address self)
    {
        try
        {
            var path = Path.Combine(dir, FileName);
            var earlierSelf = ReadAddresses(Path.Combine(dir, SelfFileName));
            return [.. ReadAddresses(path).Where(a => !a.Equals(self) && !earlierSelf.Contains(a)).Distinct()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UriFormatException or ArgumentException)
        {
            return [];
        }
    }

    /// <summary>Records <paramref name="self"/> as this directory's coordinator, atomically.</summary>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static void RecordSelf(string dir, Address self) => WriteFile(Path.Combine(dir, SelfFileName), [self]);

    /// <summary>Records <paramref name="coordinators"/> atomically.</summary>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static void Write(string dir, IEnumerable<Address> coordinators) => WriteFile(Path.Combine(dir, FileName), coordinators);

    private static List<Address> ReadAddresses(string path)
        => File.Exists(path) ? [.. File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).Select(Address.Parse)] : [];

    private static void WriteFile(string path, IEnumerable<Address> coordinators)
        => AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            foreach (var address in coordinators.Select(a => a.ToString()).Order(StringComparer.Ordinal))
            {
                writer.WriteLine(address);
            }
        });
}
