namespace RnnCluster.EndToEnd.Tests;

/// <summary><c>train --decay-on-plateau</c> and <c>--keep-best</c>: the rate follows validation, --out holds the best epoch.</summary>
public sealed class TrainScheduleTests
{
    [Fact]
    public async Task Should_decay_after_a_plateau_and_keep_the_best_epochs_model()
    {
        using var directory = new TempDirectory();
        var model = directory.File("best.rnnc");

        // A threshold no epoch can meet: the rate halves after every epoch but the first.
        string[] flags = ["--model", "lstm", "--layers", "1", "--hidden", "32", "--lr", "0.5", "--epochs", "3", "--builtin-train-tokens", "10000", "--seed", "7"];
        using var train = await CliProcess.RunAsync(SmallJob.RunTimeout, ["train", "--json", .. flags, "--decay-on-plateau", "1000000", "--keep-best", "--out", model]);

        Assert.True(train.ExitCode == 0, train.Describe());
        var epochs = train.EventsNamed("epoch").ToList();
        Assert.Equal([0.5, 0.5, 0.25], epochs.Select(e => SmallJob.Number(e, "lr")));
        var best = epochs.MinBy(e => SmallJob.Number(e, "valid_ppl"))!.GetProperty("epoch").GetInt32();
        Assert.Contains(train.EventsNamed("note"), e => e.GetProperty("message").GetString()!.Contains($"holds epoch {best}'s model", StringComparison.Ordinal));
        Assert.True(File.Exists(model));
        Assert.Empty(Directory.GetFiles(directory.Path, "*.tmp-*"));
    }

    [Fact]
    public async Task A_tied_model_trains_loads_and_samples()
    {
        using var directory = new TempDirectory();
        var model = directory.File("tied.rnnc");
        string[] flags = ["--model", "gru", "--layers", "1", "--hidden", "32", "--epochs", "1", "--builtin-train-tokens", "10000", "--seed", "7"];

        using var train = await CliProcess.RunAsync(SmallJob.RunTimeout, ["train", .. flags, "--tie-weights", "--out", model]);
        using var untied = await CliProcess.RunAsync(SmallJob.RunTimeout, ["train", .. flags]);

        Assert.True(train.ExitCode == 0, train.Describe());
        Assert.True(untied.ExitCode == 0, untied.Describe());
        Assert.Contains("tied", train.Output, StringComparison.Ordinal); // the model line says so, with its smaller parameter count
        Assert.DoesNotContain("tied", untied.Output, StringComparison.Ordinal);
        var text = directory.File("text.txt");
        await File.WriteAllTextAsync(text, "the cat runs\nthe dog sees a cat\n");
        using var eval = await CliProcess.RunAsync(SmallJob.RunTimeout, "eval", model, text, "--json");
        Assert.True(eval.ExitCode == 0, eval.Describe());
        Assert.InRange(SmallJob.Number(Assert.Single(eval.Events), "ppl"), 1, 1000);
        using var sample = await CliProcess.RunAsync(SmallJob.RunTimeout, "generate", model, "--length", "20");
        Assert.True(sample.ExitCode == 0, sample.Describe());
    }
}
