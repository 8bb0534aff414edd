using System.Globalization;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Replaces a file so that readers see either its old contents or the complete new ones (checkpoints,
/// models, plots). The temporary file is <c>TARGET.tmp-PID-GUID</c>; one left by a writer that was
/// killed mid-write is swept by <see cref="RemoveStaleTemporaries"/>.
/// </summary>
public static class AtomicFile
{
    private const string TemporaryMarker = ".tmp-";

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
        var temp = $"{target}{TemporaryMarker}{Environment.ProcessId}-{Guid.NewGuid():N}";
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

    /// <summary>Deletes the temporary files directly in <paramref name="directory"/> whose writing process is gone (a write in progress is left alone); returns their paths.</summary>
    public static IReadOnlyList<string> RemoveStaleTemporaries(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, $"*{TemporaryMarker}*"))
        {
            if (WriterPid(Path.GetFileName(path)) is { } pid && !IsRunning(pid))
            {
                try
                {
                    File.Delete(path);
                    removed.Add(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // left for the next start
                }
            }
        }

        return removed;
    }

    /// <summary>The writing process's id in <c>NAME.tmp-PID-GUID</c>; null for any other name.</summary>
    private static int? WriterPid(string name)
    {
        var marker = name.LastIndexOf(TemporaryMarker, StringComparison.Ordinal);
        if (marker < 0)
        {
            return null;
        }

        var parts = name[(marker + TemporaryMarker.Length)..].Split('-');
        return parts.Length == 2 && parts[1].Length == 32 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        if (OperatingSystem.IsLinux())
        {
            return Directory.Exists($"/proc/{pid}");
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
