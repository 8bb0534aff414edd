using System.Text.Json;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>A run whose perplexity is ∞ still saves its model and checkpoints and reports ∞ (<c>MetricsJson</c>'s rule).</summary>
public sealed class DivergedRunTests
{
    [Fact]
    public async Task Should_save_the_model_of_a_run_whose_validation_perplexity_is_infinite()
    {
        using var directory = new TempDirectory();
        var model = directory.File("diverged.rnnc");
        var checkpoints = directory.File("checkpoints");

        using var train = await CliProcess.RunAsync(SmallJob.RunTimeout,
            "train", "--json", "--lr", "1e6", "--clip", "0", "--max-steps", "1", "--out", model, "--checkpoint-dir", checkpoints);

        Assert.True(train.ExitCode == 0, train.Describe());
        var summary = Assert.Single(train.EventsNamed("summary"));
        Assert.Equal(JsonValueKind.String, summary.GetProperty("valid_ppl").ValueKind);
        Assert.Equal("Infinity", summary.GetProperty("valid_ppl").GetString());
        Assert.True(File.Exists(model));
        Assert.Single(Directory.GetFiles(checkpoints, "*.rnnc"));

        var text = directory.File("text.txt");
        await File.WriteAllTextAsync(text, "the dog sees a cat\nthe cat runs\n"); // unknown words are <unk>
        using var eval = await CliProcess.RunAsync(SmallJob.RunTimeout, "eval", model, text, "--json");
        Assert.True(eval.ExitCode == 0, eval.Describe()); // the saved model loads
        Assert.Single(eval.Events);
    }
}
