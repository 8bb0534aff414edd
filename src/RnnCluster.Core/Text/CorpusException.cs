namespace RnnCluster.Core.Text;

/// <summary>
/// Bad input text: a missing, empty, binary or too small corpus. The message names the file, says
/// what is wrong and what to do, and is meant to be shown to the user as it is.
/// </summary>
public sealed class CorpusException : Exception
{
    public CorpusException()
    {
    }

    public CorpusException(string message)
        : base(message)
    {
    }

    public CorpusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
