namespace RnnCluster.EndToEnd.Tests;

/// <summary>Every command's <c>--help</c>, as a user reads it.</summary>
public sealed class HelpTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("train")]
    [InlineData("local")]
    [InlineData("node")]
    [InlineData("submit")]
    [InlineData("status")]
    [InlineData("watch")]
    [InlineData("cancel")]
    [InlineData("eval")]
    [InlineData("generate")]
    [InlineData("gradcheck")]
    [InlineData("ngram")]
    public async Task Should_describe_every_option_with_at_most_one_default(string command)
    {
        using var cli = await CliProcess.RunAsync(Timeout, command, "--help");

        Assert.Equal(0, cli.ExitCode);
        var options = cli.Output.Split('\n').Where(l => l.TrimStart().StartsWith("--", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(options);
        Assert.All(options, line =>
        {
            Assert.True(line.Split("[default:").Length <= 2, $"`{command} --help` repeats a default: {line.Trim()}");
            Assert.True(line.Trim().Split("  ", StringSplitOptions.RemoveEmptyEntries).Length >= 2, $"`{command} --help` has an option without a description: {line.Trim()}");
        });
    }

    [Fact]
    public async Task Should_print_the_commands_and_fail_without_a_command()
    {
        using var cli = await CliProcess.RunAsync(Timeout);

        Assert.Equal(2, cli.ExitCode);
        Assert.Contains("local", cli.Output, StringComparison.Ordinal);
        Assert.Contains("train", cli.Output, StringComparison.Ordinal);
    }
}
