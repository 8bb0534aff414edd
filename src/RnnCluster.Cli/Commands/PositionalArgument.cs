using RnnCluster.Cli.Output;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// Reading a command's positional argument (a model or data file): a failure names the argument as
/// <c>--help</c> shows it, as a flag's failure names the flag, e.g. "&lt;model&gt;: checkpoint 'x' does not exist".
/// </summary>
internal static class PositionalArgument
{
    /// <param name="name">The argument as usage shows it, e.g. "&lt;model&gt;".</param>
    /// <exception cref="ArgumentException">Wrapping whatever <see cref="CliError.Guard"/> would report, prefixed with <paramref name="name"/>.</exception>
    public static T Read<T>(string name, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (CliError.IsExpected(e) && e is not (CliError or TimeoutException))
        {
            throw new ArgumentException($"{name}: {CliError.Reason(e)}", e);
        }
    }
}
