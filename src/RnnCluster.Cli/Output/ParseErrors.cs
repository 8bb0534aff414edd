using System.Text.RegularExpressions;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Command-line parse errors in the user's words: "as a number" instead of .NET type names, and a flag
/// given twice said as such (the parser reports "expects a single argument but 2 were provided").
/// </summary>
public static partial class ParseErrors
{
    public static string Readable(string message)
    {
        var readable = ExpectedType().Replace(message, m => m.Groups[1].Value switch
        {
            "System.Single" or "System.Double" => "as a number",
            "System.Int32" or "System.Int64" => "as a whole number",
            "System.UInt64" or "System.UInt32" => "as a whole number >= 0",
            "System.Boolean" => "as true or false",
            "System.Nullable`1[System.Int32]" => "as a whole number",
            _ => "",
        });
        return SingleArgument().Replace(readable, m => $"{m.Groups[1].Value} is given {m.Groups[2].Value} times: give it once");
    }

    [GeneratedRegex(@"as expected type '([^']+)'")]
    private static partial Regex ExpectedType();

    [GeneratedRegex(@"Option '([^']+)' expects a single argument but (\d+) were provided\.")]
    private static partial Regex SingleArgument();
}
