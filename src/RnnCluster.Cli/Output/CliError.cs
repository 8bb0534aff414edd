namespace RnnCluster.Cli.Output;

/// <summary>A user-facing failure: printed as one line on standard error, exit code non-zero.</summary>
public sealed class CliError(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>Runs a command body, turning expected failures into a one-line reason and exit code.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("rnncluster: cancelled");
            return 130;
        }
        catch (Exception e) when (IsExpected(e))
        {
            await Console.Error.WriteLineAsync("rnncluster: " + Core.Text.QuotedText.EscapeInvisible(Reason(e).ReplaceLineEndings(" ")));
            return e is CliError c ? c.ExitCode : 1;
        }
    }

    /// <summary>A failure of the user's input or environment, reported as one line (anything else is a bug and keeps its stack trace).</summary>
    public static bool IsExpected(Exception e) => e is CliError or ArgumentException or IOException or InvalidDataException or InvalidOperationException
        or Core.Text.CorpusException or Core.Checkpoints.CheckpointException or UnauthorizedAccessException or TimeoutException;

    /// <summary>The exception's message without the " (Parameter 'name')" that ArgumentException appends for programmers.</summary>
    public static string Reason(Exception e) => e is ArgumentException { ParamName: { } name } argument
        ? argument.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal)
        : e.Message;
}
