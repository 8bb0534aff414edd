using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// What kind of file system entry a path names, from lstat(2). .NET reports devices, pipes and sockets
/// as ordinary files, and a write that renames a temporary file over one of them would replace, say,
/// <c>/dev/null</c> for every process on the machine; <see cref="DescribeSpecial"/> lets writers refuse.
/// </summary>
public static class FileKind
{
    /// <summary>
    /// Null when <paramref name="path"/> does not exist or names a regular file or a directory;
    /// otherwise what it is, e.g. "a character device". Writers do not follow links and refuse one too
    /// ("a symbolic link"): renaming a file over <c>/dev/stdout</c> would replace the system's link.
    /// Readers follow links: a link to <c>/dev/zero</c> is a character device to them (it would never end).
    /// </summary>
    public static string? DescribeSpecial(string path, bool followLinks = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux() || !TryStat(path, followLinks, out var status))
        {
            return null;
        }

        var mode = status.st_mode;
        return S_ISLNK(mode) ? "a symbolic link"
            : S_ISCHR(mode) ? "a character device"
            : S_ISBLK(mode) ? "a block device"
            : S_ISFIFO(mode) ? "a named pipe"
            : S_ISSOCK(mode) ? "a socket"
            : null;
    }

    /// <summary>
    /// True when both paths exist and name the same file after following links (same device and inode),
    /// e.g. a corpus reached through a link and an output path naming the file itself.
    /// </summary>
    public static bool SameFile(string a, string b)
    {
        ArgumentException.ThrowIfNullOrEmpty(a);
        ArgumentException.ThrowIfNullOrEmpty(b);
        if (!OperatingSystem.IsLinux())
        {
            return string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
        }

        return TryStat(a, followLinks: true, out var first) && TryStat(b, followLinks: true, out var second)
            && first.st_dev == second.st_dev && first.st_ino == second.st_ino;
    }

    /// <summary>stat(2) (following links) or lstat(2) of the absolute path; false when it fails (e.g. no such file).</summary>
    private static unsafe bool TryStat(string path, bool followLinks, out stat status)
    {
        status = default;
        var name = Encoding.UTF8.GetBytes(Path.GetFullPath(path) + "\0");
        fixed (byte* p = name)
        fixed (stat* s = &status)
        {
            return (followLinks ? LibC.stat(p, s) : lstat(p, s)) == 0;
        }
    }
}
