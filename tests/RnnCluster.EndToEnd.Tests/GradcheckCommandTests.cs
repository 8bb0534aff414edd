namespace RnnCluster.EndToEnd.Tests;

/// <summary><c>gradcheck</c> as a user runs it: every model kind, each checked and passing.</summary>
public sealed class GradcheckCommandTests
{
    [Fact]
    public async Task Should_check_every_language_model_classifier_and_cbow_loss_by_default()
    {
        using var cli = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "gradcheck", "--json");
        Assert.True(cli.ExitCode == 0, cli.Describe());
        var checks = cli.Events.Select(e => (Model: e.GetProperty("model").GetString(), Task: e.GetProperty("task").GetString(), Passed: e.GetProperty("passed").GetBoolean())).ToList();
        Assert.Equal(10, checks.Count);
        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Model} {c.Task}"));
        Assert.Equal(["lm", "lm", "lm", "lm", "classify", "classify", "classify", "classify", "cbow", "cbow"], checks.Select(c => c.Task));
        Assert.Equal(["rnn", "lstm", "gru", "char-lstm"], checks.Take(4).Select(c => c.Model));
        Assert.Equal(["negative_sampling", "full_softmax"], cli.Events.Skip(8).Select(e => e.GetProperty("loss").GetString()));
    }
}
