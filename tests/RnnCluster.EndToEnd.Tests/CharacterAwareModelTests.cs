using System.Globalization;
using System.Text.Json;
using RnnCluster.Core.Text;

namespace RnnCluster.EndToEnd.Tests;

public sealed class CharacterAwareModelTests
{
    [Fact]
    public async Task Train_saves_a_char_lstm_that_eval_generate_and_gradcheck_accept()
    {
        using var temp = new TempDirectory();
        var model = temp.File("char-lstm.rnnc");
        using var train = await CliProcess.RunAsync(SmallJob.RunTimeout,
            "train", "--json", "--model", "char-lstm", "--layers", "1", "--hidden", "24", "--batch", "10", "--bptt", "10",
            "--lr", "0.5", "--epochs", "1", "--builtin-train-tokens", "20000", "--seed", "3", "--threads", "1", "--out", model);
        Assert.True(train.ExitCode == 0, train.Describe());
        var summary = Assert.Single(train.EventsNamed("summary"));
        Assert.InRange(SmallJob.Number(summary, "valid_ppl"), 1, BuiltInCorpus.UnigramPerplexity);

        var text = temp.File("eval.txt");
        await File.WriteAllTextAsync(text, BuiltInCorpus.Generate(3_000, seed: 99));
        using var eval = await CliProcess.RunAsync(SmallJob.RunTimeout, "eval", model, text, "--json");
        Assert.True(eval.ExitCode == 0, eval.Describe());
        var ppl = double.Parse(JsonDocument.Parse(eval.Output).RootElement.GetProperty("ppl").GetRawText(), CultureInfo.InvariantCulture);
        Assert.InRange(ppl, 1, BuiltInCorpus.UnigramPerplexity);

        using var generate = await CliProcess.RunAsync(SmallJob.RunTimeout, "generate", model, "--length", "30", "--seed", "5");
        Assert.True(generate.ExitCode == 0, generate.Describe());
        Assert.NotEmpty(generate.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        using var gradcheck = await CliProcess.RunAsync(SmallJob.RunTimeout, "gradcheck", "--model", "char-lstm");
        Assert.True(gradcheck.ExitCode == 0, gradcheck.Describe());
        Assert.Contains("char-lstm: ok", gradcheck.Output, StringComparison.Ordinal);
        Assert.Contains("highway.w_t", gradcheck.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--tie-weights does not apply to --model char-lstm", "--tie-weights")]
    [InlineData("--model char-lstm is a language model (--task lm)", "--task", "classify", "--corpus", "/etc/hostname")]
    [InlineData("--model char-lstm is for --task lm", "--task", "cbow")]
    [InlineData("--tokens char with --model char-lstm would spell one-character tokens", "--tokens", "char")]
    public async Task Options_the_character_aware_model_cannot_take_are_refused_before_training(string expected, params string[] flags)
    {
        using var train = await CliProcess.RunAsync(SmallJob.RunTimeout, ["train", "--model", "char-lstm", .. flags]);

        Assert.NotEqual(0, train.ExitCode);
        Assert.Contains(expected, train.Errors, StringComparison.Ordinal);
    }
}
