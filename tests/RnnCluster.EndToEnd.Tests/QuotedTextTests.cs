namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// Line ends follow one policy (CRLF, a lone CR, NEL, U+2028 read as LF), and messages that quote user
/// text show invisible characters (a zero-width space) instead of a blank.
/// </summary>
public sealed class QuotedTextTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_character_model_reads_any_line_end_as_lf_and_names_an_invisible_character()
    {
        using var directory = new TempDirectory();
        var train = directory.File("train.txt");
        await File.WriteAllTextAsync(train, string.Concat(Enumerable.Repeat("the cat sat on the mat\nthe dog sat on the log\n", 200)));
        var model = directory.File("char.rnnc");
        using (var trained = await CliProcess.RunAsync(Timeout, "train", "--corpus", train, "--tokens", "char", "--hidden", "16", "--layers", "1",
            "--batch", "4", "--bptt", "10", "--max-steps", "3", "--out", model))
        {
            Assert.True(trained.ExitCode == 0, trained.Describe());
        }

        var perplexities = new List<double>();
        foreach (var (name, end) in new[] { ("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r"), ("nel", "\u0085"), ("ls", "\u2028") })
        {
            var file = directory.File($"{name}.txt");
            await File.WriteAllTextAsync(file, string.Concat(Enumerable.Repeat("the cat sat on the mat" + end, 20)));
            using var eval = await CliProcess.RunAsync(Timeout, "eval", model, file, "--json");
            Assert.True(eval.ExitCode == 0, $"{name}: {eval.Describe()}");
            perplexities.Add(Assert.Single(eval.Events).GetProperty("ppl").GetDouble());
        }

        Assert.All(perplexities, p => Assert.Equal(perplexities[0], p));

        var hidden = directory.File("zero-width.txt");
        await File.WriteAllTextAsync(hidden, string.Concat(Enumerable.Repeat("the cat\u200B sat on the mat\n", 20)));
        using var refused = await CliProcess.RunAsync(Timeout, "eval", model, hidden);

        Assert.NotEqual(0, refused.ExitCode);
        var line = Assert.Single(refused.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("'\\u{200B}' (U+200B)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", line, StringComparison.Ordinal); // no .NET exception wording
    }

    [Fact]
    public async Task A_path_with_terminal_escape_sequences_is_printed_escaped()
    {
        // Paths reach many messages unquoted; the line printer escapes what they carry, so a file name
        // cannot recolour, move the cursor of or retitle the user's terminal.
        using var refused = await CliProcess.RunAsync(Timeout, "train", "--corpus", "/tmp/no\u001b[31mpe\u0007", "--max-steps", "1");

        Assert.NotEqual(0, refused.ExitCode);
        var line = Assert.Single(refused.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("no\\u{001B}[31mpe\\u{0007}", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', line);
        Assert.DoesNotContain('\u0007', line);
    }
}
