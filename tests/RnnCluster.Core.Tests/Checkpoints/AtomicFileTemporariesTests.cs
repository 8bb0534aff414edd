using RnnCluster.Core.Checkpoints;

namespace RnnCluster.Core.Tests.Checkpoints;

public sealed class AtomicFileTemporariesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnncluster-stale-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Only_a_dead_writers_temporary_files_are_removed()
    {
        var guid = Guid.NewGuid().ToString("N");
        var dead = Path.Combine(_directory, $"job-1.rnnc.tmp-2147483000-{guid}");
        var live = Path.Combine(_directory, $"job-2.rnnc.tmp-{Environment.ProcessId}-{guid}");
        var checkpoint = Path.Combine(_directory, "job-1.rnnc");
        var lookalike = Path.Combine(_directory, "notes.tmp-draft");
        foreach (var path in new[] { dead, live, checkpoint, lookalike })
        {
            File.WriteAllText(path, "x");
        }

        var removed = AtomicFile.RemoveStaleTemporaries(_directory);

        Assert.Equal([dead], removed);
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live) && File.Exists(checkpoint) && File.Exists(lookalike));
        Assert.Empty(AtomicFile.RemoveStaleTemporaries(Path.Combine(_directory, "missing")));
    }
}
