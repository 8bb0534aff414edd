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
    /// Null when <paramref name="path"/> does not exist or names a regular file, a directory or (unless
    /// <paramref name="followLinks"/>) a symbolic link (replacing a link replaces the link, never what it
    /// points to); otherwise what it is, e.g. "a character device". Readers follow links: a link to
    /// <c>/dev/zero</c> is a character device to them (it would never end).
    /// </summary>
    public static unsafe string? DescribeSpecial(string path, bool followLinks = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(Path.GetFullPath(path) + "\0");
        stat status;
        fixed (byte* name = bytes)
        {
            if ((followLinks ? LibC.stat(name, &status) : lstat(name, &status)) != 0)
            {
                return null;
            }
        }

        var mode = status.st_mode;
        return S_ISCHR(mode) ? "a character device"
            : S_ISBLK(mode) ? "a block device"
            : S_ISFIFO(mode) ? "a named pipe"
            : S_ISSOCK(mode) ? "a socket"
            : null;
    }
}
