namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Reads and writes <see cref="Checkpoint"/>s: a binary file with a JSON header, raw float32 blocks and
/// a SHA-256 trailer. Writes are atomic; reads verify everything before returning.
/// </summary>
public static class CheckpointFile
{
    /// <summary>
    /// Validates the checkpoint, then replaces <paramref name="path"/> atomically (temporary file, fsync,
    /// rename), creating its directory if needed. A failed write leaves any previous file intact.
    /// </summary>
    /// <exception cref="ArgumentException">The checkpoint is inconsistent; nothing was written.</exception>
    /// <exception cref="CheckpointException">The file could not be written.</exception>
    public static void Write(string path, Checkpoint checkpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ValidateForWrite(checkpoint, path);
        try
        {
            AtomicFile.Write(path, stream => CheckpointWriter.Encode(stream, checkpoint));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, $"could not be written: {FileSystemError.Describe(e, writing: true)}", e);
        }
    }

    /// <summary>Validates, then encodes at the stream's current position. Not atomic.</summary>
    /// <exception cref="ArgumentException">The checkpoint is inconsistent; nothing was written.</exception>
    public static void Write(Stream stream, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ValidateForWrite(checkpoint, "stream");
        CheckpointWriter.Encode(stream, checkpoint);
    }

    /// <exception cref="CheckpointException">The file is missing, unreadable, foreign, truncated, corrupt or inconsistent.</exception>
    public static Checkpoint Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new CheckpointException(path, "is a directory, not a checkpoint or model file", null);
        }

        if (FileKind.DescribeSpecial(path, followLinks: true) is { } kind)
        {
            throw new CheckpointException(path, $"is {kind}, not a checkpoint or model file", null);
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
            return CheckpointReader.Decode(stream, path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointException(path, "does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, $"could not be read: {FileSystemError.Describe(e, writing: false)}", e);
        }
    }

    /// <summary>Reads a checkpoint occupying the rest of a seekable stream.</summary>
    /// <param name="nameForErrors">Names the source in exception messages.</param>
    /// <exception cref="CheckpointException">The contents are foreign, truncated, corrupt or inconsistent.</exception>
    public static Checkpoint Read(Stream stream, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(nameForErrors);
        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("a checkpoint is read from a readable, seekable stream", nameof(stream));
        }

        return CheckpointReader.Decode(stream, nameForErrors);
    }

    private static void ValidateForWrite(Checkpoint checkpoint, string destination)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        try
        {
            checkpoint.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"checkpoint '{destination}' was not written: {e.Message}", nameof(checkpoint), e);
        }
    }
}
