namespace RnnCluster.EndToEnd.Tests;

/// <summary><c>rnncluster diagnose</c>: the gradient-flow probe on fresh and trained models.</summary>
public sealed class DiagnoseCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_fresh_rnn_shows_its_gradient_vanishing_and_a_trained_model_is_measured_before_and_after()
    {
        using var directory = new TempDirectory();
        using var fresh = await CliProcess.RunAsync(Timeout, "diagnose", "--model", "rnn", "--hidden", "16", "--layers", "1", "--window", "25", "--windows", "3", "--json");
        Assert.True(fresh.ExitCode == 0, fresh.Describe());
        var rnn = Assert.Single(fresh.Events);
        Assert.Equal("rnn", rnn.GetProperty("model").GetString());
        Assert.Equal(25, rnn.GetProperty("hidden_norms").GetArrayLength());
        Assert.True(rnn.GetProperty("ratio_lag20_to_lag1").GetDouble() < 1e-3, fresh.Output);

        // The default, all: each recurrent cell once (not the classifier's bow, not cbow).
        using var all = await CliProcess.RunAsync(Timeout, "diagnose", "--hidden", "8", "--layers", "1", "--window", "5", "--windows", "1", "--json");
        Assert.True(all.ExitCode == 0, all.Describe());
        Assert.Equal(["rnn", "lstm", "gru"], all.Events.Select(e => e.GetProperty("model").GetString()));

        var model = directory.File("gru.rnnc");
        using (var train = await CliProcess.RunAsync(Timeout, SmallJob.With("train", "--out", model, "--json")))
        {
            Assert.True(train.ExitCode == 0, train.Describe());
        }

        var plot = directory.File("flow.png");
        using var trained = await CliProcess.RunAsync(Timeout, "diagnose", model, "--window", "25", "--windows", "3", "--batch", "4", "--out", plot, "--json");
        Assert.True(trained.ExitCode == 0, trained.Describe());
        Assert.Equal(["init", "trained"], trained.Events.Select(e => e.GetProperty("stage").GetString()));
        Assert.All(trained.Events, e => Assert.Equal(25, e.GetProperty("cell_norms").GetArrayLength())); // SmallJob trains an LSTM
        Assert.True(new FileInfo(plot).Length > 10_000);
        Assert.False(File.Exists(directory.File("flow.json")));

        (string[] Args, string Expected)[] bad =
        [
            (["diagnose", "--window", "1"], "--window 1 is out of range"),
            (["diagnose", "--out", directory.File("flow.txt")], "name it *.png"),
            (["diagnose", "--model", "transformer"], "--model 'transformer': expected rnn, lstm, gru or all"),
            (["diagnose", "--model", "cbow"], "--model 'cbow': expected rnn, lstm, gru or all"),
            (["diagnose", model, "--hidden", "64"], "--hidden: describes a fresh model"),
            (["diagnose", directory.File("missing.rnnc")], "missing.rnnc"),
        ];
        foreach (var (args, expected) in bad)
        {
            using var cli = await CliProcess.RunAsync(Timeout, args);
            Assert.True(cli.ExitCode != 0, string.Join(' ', args));
            Assert.Contains(expected, Assert.Single(cli.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        }
    }
}
