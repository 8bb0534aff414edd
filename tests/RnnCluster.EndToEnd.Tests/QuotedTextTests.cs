namespace RnnCluster.EndToEnd.Tests;

/// <summary>Messages that quote user text show invisible characters (a CRLF file's '\r') instead of a blank.</summary>
public sealed class QuotedTextTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_character_model_evaluated_on_a_crlf_file_names_the_carriage_return()
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

        var crlf = directory.File("crlf.txt");
        await File.WriteAllTextAsync(crlf, string.Concat(Enumerable.Repeat("the cat sat on the mat\r\n", 20)));

        using var eval = await CliProcess.RunAsync(Timeout, "eval", model, crlf);

        Assert.NotEqual(0, eval.ExitCode);
        var line = Assert.Single(eval.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("'\\r' (U+000D)", line, StringComparison.Ordinal);
    }
}
