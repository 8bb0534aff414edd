using System.Globalization;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// The temporary files an atomic write leaves behind when its process is killed mid-write
/// (<c>TARGET.tmp-PID-GUID</c>): <see cref="Remove"/> deletes those whose process is gone, and leaves
/// those of a live process (a write in progress) alone.
/// </summary>
public static class StaleTemporaryFiles
{
    /// <summary>Deletes the stale temporary files directly in <paramref name="directory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Remove(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.tmp-*"))
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
        var marker = name.LastIndexOf(".tmp-", StringComparison.Ordinal);
        if (marker < 0)
        {
            return null;
        }

        var parts = name[(marker + 5)..].Split('-');
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
