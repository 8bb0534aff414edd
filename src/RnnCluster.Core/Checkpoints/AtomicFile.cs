namespace RnnCluster.Core.Checkpoints;

/// <summary>Replaces a file so that readers see either its old contents or the complete new ones.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/>, forces it to disk, then renames it
    /// over the target. On any failure the temporary file is removed and the target is untouched.
    /// </summary>
    /// <exception cref="IOException">The target is a device, pipe or socket (a rename would replace it), or the write failed.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var target = Path.GetFullPath(path);
        if (FileKind.DescribeSpecial(target) is { } kind)
        {
            throw new IOException($"it is {kind}, not a regular file; give a file path");
        }

        var directory = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{path}' is not a file path", nameof(path));
        Directory.CreateDirectory(directory);

        // Same directory, so the rename never crosses file systems and stays atomic.
        var temp = $"{target}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
