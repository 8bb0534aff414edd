using System.Text.RegularExpressions;

namespace RnnCluster.Cli.Output;

/// <summary>Command-line parse errors in the user's words: "as a number" instead of .NET type names.</summary>
public static partial class ParseErrors
{
    public static string Readable(string message) => ExpectedType().Replace(message, m => m.Groups[1].Value switch
    {
        "System.Single" or "System.Double" => "as a number",
        "System.Int32" or "System.Int64" => "as a whole number",
        "System.UInt64" or "System.UInt32" => "as a whole number >= 0",
        "System.Boolean" => "as true or false",
        "System.Nullable`1[System.Int32]" => "as a whole number",
        _ => "",
    });

    [GeneratedRegex(@"as expected type '([^']+)'")]
    private static partial Regex ExpectedType();
}
