using System.CommandLine;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Numbers on the command line are written with a decimal point and no grouping: the parser would read
/// <c>--lr 1,5</c> as 15 (a comma is a thousands separator to it), so every real-valued option refuses
/// a comma instead.
/// </summary>
public static class DecimalNumbers
{
    /// <summary>Adds the check to every float and double option of <paramref name="command"/> and its subcommands.</summary>
    public static void RequireDecimalPoint(Command command)
    {
        foreach (var option in command.Options)
        {
            var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            if (type != typeof(float) && type != typeof(double))
            {
                continue;
            }

            option.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                {
                    if (token.Value.Contains(','))
                    {
                        result.AddError($"{option.Name} '{token.Value}' is not a number as written: use a decimal point and no thousands separators (e.g. 1.5)");
                        return;
                    }
                }
            });
        }

        foreach (var subcommand in command.Subcommands)
        {
            RequireDecimalPoint(subcommand);
        }
    }
}
