namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// What an operating-system error on a file means, in words a user acts on, instead of .NET's message
/// (a directory given as a file reads "Access to the path … is denied"; a file that cannot be created
/// in /proc reads "Could not find file …"). On Unix the error number of an <see cref="IOException"/>
/// is its <see cref="Exception.HResult"/>.
/// </summary>
public static class FileSystemError
{
    /// <summary>The meaning of <paramref name="e"/> when reading (<paramref name="writing"/> false) or writing.</summary>
    public static string Describe(Exception e, bool writing) => e switch
    {
        UnauthorizedAccessException => writing ? "permission denied: this user may not write there" : "permission denied: this user may not read it",
        DirectoryNotFoundException => "a directory on the path does not exist",
        FileNotFoundException when writing => "the file system there does not take new files (a virtual one such as /proc or /sys?)",
        FileNotFoundException => "it does not exist",
        PathTooLongException => "the path is too long",
        IOException { HResult: Enospc } => "no space left on the device",
        IOException { HResult: Edquot } => "the disk quota is exceeded",
        IOException { HResult: Erofs } => "the file system is read-only",
        IOException { HResult: Enotdir } => "a part of the path is a file, not a directory",
        IOException { HResult: Eisdir } => "it is a directory",
        IOException { HResult: Enametoolong } => "a name on the path is too long",
        IOException { HResult: Eacces or Eperm } => writing ? "permission denied: this user may not write there" : "permission denied: this user may not read it",
        _ => e.Message,
    };

    private const int Eperm = 1, Eacces = 13, Enotdir = 20, Eisdir = 21, Enospc = 28, Erofs = 30, Enametoolong = 36, Edquot = 122;
}
