namespace RnnCluster.Core.Checkpoints;

/// <summary>A checkpoint file that cannot be read or written; the message names the file.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException()
    {
    }

    public CheckpointException(string message)
        : base(message)
    {
    }

    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <param name="problem">Completes the sentence "checkpoint 'name' …", e.g. "is truncated".</param>
    public CheckpointException(string fileName, string problem, Exception? innerException)
        : base($"checkpoint '{fileName}' {problem}", innerException)
    {
        FileName = fileName;
    }

    public string? FileName { get; }

    /// <summary>True when the file is some other kind of file (it does not start with the checkpoint magic), not a damaged checkpoint.</summary>
    public bool Foreign { get; init; }
}
