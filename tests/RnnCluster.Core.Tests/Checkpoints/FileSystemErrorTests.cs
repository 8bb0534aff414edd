using RnnCluster.Core.Checkpoints;

namespace RnnCluster.Core.Tests.Checkpoints;

public sealed class FileSystemErrorTests
{
    [Theory]
    [InlineData(28, "no space left on the device")]
    [InlineData(30, "the file system is read-only")]
    [InlineData(122, "the disk quota is exceeded")]
    [InlineData(20, "a part of the path is a file, not a directory")]
    [InlineData(13, "permission denied: this user may not write there")]
    public void An_error_number_is_said_in_words(int errno, string expected)
        => Assert.Equal(expected, FileSystemError.Describe(new IOException("raw", errno), writing: true));

    [Fact]
    public void Exception_types_are_said_in_words_and_anything_else_keeps_its_message()
    {
        Assert.Equal("permission denied: this user may not read it", FileSystemError.Describe(new UnauthorizedAccessException("Access to the path is denied"), writing: false));
        Assert.Equal("a directory on the path does not exist", FileSystemError.Describe(new DirectoryNotFoundException("x"), writing: true));
        Assert.StartsWith("the file system there does not take new files", FileSystemError.Describe(new FileNotFoundException("x"), writing: true), StringComparison.Ordinal);
        Assert.Equal("odd", FileSystemError.Describe(new IOException("odd", 5), writing: true));
    }

    [Fact]
    public void A_probe_in_proc_says_the_file_system_takes_no_new_files()
    {
        var error = Assert.Throws<ArgumentException>(() => OutputPath.CheckFile("/proc/model.rnnc", "--out"));
        Assert.Equal("--out /proc/model.rnnc: cannot write in /proc: the file system there does not take new files (a virtual one such as /proc or /sys?)", error.Message);
    }

    [Fact]
    public void A_file_in_the_place_of_a_directory_is_named_as_such()
    {
        var file = Path.GetTempFileName();
        try
        {
            var error = Assert.Throws<ArgumentException>(() => OutputPath.CheckFile(Path.Combine(file, "model.rnnc"), "--out"));
            Assert.Equal($"--out {file}/model.rnnc: {file} is a file, not a directory, so nothing can be written under it", error.Message);
            var deeper = Assert.Throws<ArgumentException>(() => OutputPath.CheckDirectory(Path.Combine(file, "a", "b"), "--checkpoint-dir"));
            Assert.Equal($"--checkpoint-dir {file}/a/b: {file} is a file, not a directory, so nothing can be written under it", deeper.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
