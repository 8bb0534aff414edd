namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Checks, before any training, that a file can later be written where a flag points (a model's
/// <c>--out</c>, a <c>--checkpoint-dir</c>), so a bad path costs seconds, not a run.
/// </summary>
public static class OutputPath
{
    /// <summary>
    /// Creates the directory of file <paramref name="path"/> if needed and writes and deletes a probe
    /// file in it (a file is later written there the same way: temporary file, then rename).
    /// </summary>
    /// <exception cref="ArgumentException">Naming <paramref name="flag"/>: the path is empty, a directory, a device, pipe or socket, or not writable.</exception>
    public static void CheckFile(string? path, string flag)
    {
        if (Given(path, flag) is not { } file)
        {
            return;
        }

        if (Directory.Exists(file))
        {
            throw new ArgumentException($"{flag} {file}: is a directory; give a file name");
        }

        if (FileKind.DescribeSpecial(file) is { } kind)
        {
            throw new ArgumentException($"{flag} {file}: is {kind}, not a regular file; give a file name");
        }

        Probe(Path.GetDirectoryName(Path.GetFullPath(file)) ?? file, flag, file);
    }

    /// <summary>Creates directory <paramref name="path"/> if needed and writes and deletes a probe file in it.</summary>
    /// <exception cref="ArgumentException">Naming <paramref name="flag"/>: the path is empty, a file, or not writable.</exception>
    public static void CheckDirectory(string? path, string flag)
    {
        if (Given(path, flag) is not { } directory)
        {
            return;
        }

        if (File.Exists(directory))
        {
            throw new ArgumentException($"{flag} {directory}: is {FileKind.DescribeSpecial(directory) ?? "a file"}; give a directory");
        }

        Probe(Path.GetFullPath(directory), flag, directory);
    }

    /// <summary>The path, or null when the flag was not given.</summary>
    /// <exception cref="ArgumentException">When it was given empty.</exception>
    private static string? Given(string? path, string flag) => path is null || !string.IsNullOrWhiteSpace(path)
        ? path
        : throw new ArgumentException($"{flag}: the path is empty");

    private static void Probe(string directory, string flag, string given)
    {
        var ancestor = directory;
        while (!Directory.Exists(ancestor) && !File.Exists(ancestor) && Path.GetDirectoryName(ancestor) is { } parent)
        {
            ancestor = parent;
        }

        if (File.Exists(ancestor))
        {
            throw new ArgumentException($"{flag} {given}: {ancestor} is a file, not a directory, so nothing can be written under it");
        }

        var probe = Path.Combine(directory, $".rnncluster-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(directory);
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ArgumentException($"{flag} {given}: cannot write in {directory}: {FileSystemError.Describe(e, writing: true)}", e);
        }
    }
}
