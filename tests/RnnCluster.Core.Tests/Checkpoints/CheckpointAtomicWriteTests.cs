using RnnCluster.Core.Checkpoints;

namespace RnnCluster.Core.Tests.Checkpoints;

public sealed class CheckpointAtomicWriteTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_creates_missing_directories_and_leaves_no_temporary_file()
    {
        var path = _dir.File(Path.Combine("jobs", "ptb", "latest.ckpt"));

        CheckpointFile.Write(path, TestCheckpoints.Small());

        Assert.Equal([Path.Combine("jobs", "ptb", "latest.ckpt")], _dir.Files());
    }

    [Fact]
    public void Write_replaces_an_existing_checkpoint()
    {
        var path = _dir.File("latest.ckpt");
        CheckpointFile.Write(path, TestCheckpoints.Small(seed: 1));
        var second = TestCheckpoints.Small(seed: 2);

        CheckpointFile.Write(path, second);

        TestCheckpoints.AssertSame(second, CheckpointFile.Read(path));
        Assert.Equal(["latest.ckpt"], _dir.Files());
    }

    [Fact]
    public void Write_refuses_to_replace_a_device_or_a_named_pipe()
    {
        var pipe = _dir.File("pipe");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [pipe]))
        {
            mkfifo.WaitForExit();
        }

        foreach (var (path, kind) in new[] { ("/dev/null", "a character device"), (pipe, "a named pipe") })
        {
            var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Write(path, TestCheckpoints.Small()));

            Assert.Contains($"it is {kind}, not a regular file", e.Message, StringComparison.Ordinal);
            Assert.Equal(kind, FileKind.DescribeSpecial(path));
        }

        Assert.Equal(["pipe"], _dir.Files());
        Assert.Null(FileKind.DescribeSpecial(_dir.File("missing")));
        Assert.Null(FileKind.DescribeSpecial(_dir.Path));
    }

    [Fact]
    public void Write_refuses_to_replace_a_symbolic_link_and_readers_see_its_target()
    {
        var target = _dir.File("corpus.txt");
        File.WriteAllText(target, "the text a link points to");
        var link = _dir.File("link.rnnc");
        File.CreateSymbolicLink(link, target);

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Write(link, TestCheckpoints.Small()));

        Assert.Contains("it is a symbolic link, not a regular file", e.Message, StringComparison.Ordinal);
        Assert.Equal("the text a link points to", File.ReadAllText(target));
        Assert.Null(FileKind.DescribeSpecial(link, followLinks: true));
        Assert.True(FileKind.SameFile(link, target));
        Assert.False(FileKind.SameFile(link, _dir.File("missing")));
    }

    [Fact]
    public void Inconsistent_checkpoint_is_rejected_before_touching_the_previous_file()
    {
        var path = _dir.File("latest.ckpt");
        CheckpointFile.Write(path, TestCheckpoints.Small());
        var before = File.ReadAllBytes(path);
        var small = TestCheckpoints.Small();

        var e = Assert.Throws<ArgumentException>(() => CheckpointFile.Write(path, small with { Weights = new float[3] }));

        Assert.Contains(path, e.Message);
        Assert.Contains("3 weights", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["latest.ckpt"], _dir.Files());
    }

    [Fact]
    public void Failure_midway_keeps_the_previous_file_and_removes_the_temporary_file()
    {
        var path = _dir.File("latest.ckpt");
        File.WriteAllText(path, "previous");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[100_000]);
            throw new IOException("disk full");
        }));

        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal(["latest.ckpt"], _dir.Files());
    }

    [Fact]
    public void Target_that_is_a_directory_is_reported_and_leaves_no_temporary_file()
    {
        var path = _dir.File("occupied");
        Directory.CreateDirectory(path);

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Write(path, TestCheckpoints.Small()));

        Assert.Contains(path, e.Message);
        Assert.Empty(_dir.Files());
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void Directory_that_cannot_be_created_is_reported()
    {
        var blocker = _dir.File("not-a-directory");
        File.WriteAllText(blocker, "a file where a directory should be");
        var path = Path.Combine(blocker, "latest.ckpt");

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Write(path, TestCheckpoints.Small()));

        Assert.Contains(path, e.Message);
        Assert.Equal(["not-a-directory"], _dir.Files());
    }
}
