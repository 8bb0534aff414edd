using System.Text;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// <c>local --task classify|cbow</c>: the course's other models trained by worker processes give the
/// weights `train` gives (sync mode, <c>--deterministic</c>), and the summary speaks the task's terms.
/// </summary>
public sealed class ClusterTaskTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(150);

    /// <summary>Lines of one of three topics (t0w0…t2w5) mixed with shared words, labelled with their topic or not.</summary>
    private static string Lines(int count, int seed, bool labelled)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var k = random.Next(3);
            var words = Enumerable.Range(0, 3 + random.Next(8)).Select(_ => random.Next(3) switch { 0 => "the", 1 => "of", _ => $"t{k}w{random.Next(6)}" });
            text.Append(labelled ? $"__label__topic{k} " : string.Empty).Append(string.Join(' ', words)).Append('\n');
        }

        return text.ToString();
    }

    [Theory]
    [InlineData("classify", "model.rnnc")]
    [InlineData("cbow", "vectors.vec")]
    public async Task Should_train_on_worker_processes_as_train_does(string task, string output)
    {
        using var directory = new TempDirectory();
        var (corpus, model) = (directory.File("corpus.txt"), directory.File(output));
        await File.WriteAllTextAsync(corpus, Lines(task == "classify" ? 600 : 1_500, 1, labelled: task == "classify"));
        string[] job = task == "classify"
            ? ["--task", "classify", "--corpus", corpus, "--split", "80/10/10", "--hidden", "24", "--epochs", "3", "--batch", "16"]
            : ["--task", "cbow", "--corpus", corpus, "--hidden", "16", "--min-count", "1", "--subsample", "0.02", "--batch", "200", "--lr", "2", "--epochs", "2"];

        using var single = await CliProcess.RunAsync(Timeout, ["train", .. job, "--deterministic", "--threads", "2", "--json"]);
        Assert.True(single.ExitCode == 0, single.Describe());
        using var cluster = await CliProcess.RunAsync(Timeout, ["local", .. job, "--workers", "2", "--deterministic", "--out", model, "--json"]);
        Assert.True(cluster.ExitCode == 0, cluster.Describe());

        var expected = Assert.Single(single.EventsNamed("summary"));
        var summary = Assert.Single(cluster.EventsNamed("summary"));
        Assert.Equal(task, summary.GetProperty("task").GetString());
        Assert.Equal(2, summary.GetProperty("workers").GetInt32());
        Assert.Equal("coordinator", summary.GetProperty("ps_placement").GetString());
        Assert.Equal(expected.GetProperty("weights_sha256").GetString(), summary.GetProperty("weights_sha256").GetString());
        Assert.All(cluster.EventsNamed("epoch"), e => Assert.Equal(e.GetProperty("tokens_expected").GetInt64(), e.GetProperty("tokens_accounted").GetInt64()));
        Assert.All(cluster.EventsNamed("epoch"), e => Assert.True(e.TryGetProperty("valid_loss", out _), e.ToString()));
        if (task == "classify")
        {
            Assert.All(cluster.EventsNamed("epoch"), e => Assert.InRange(e.GetProperty("valid_accuracy").GetDouble(), 0, 1));
            foreach (var field in new[] { "valid_accuracy", "test_accuracy", "test_macro_f1" })
            {
                Assert.Equal(expected.GetProperty(field).GetDouble(), summary.GetProperty(field).GetDouble());
            }

            using var eval = await CliProcess.RunAsync(Timeout, "eval", model, corpus, "--json");
            Assert.True(eval.ExitCode == 0, eval.Describe());
        }
        else
        {
            Assert.Equal(expected.GetProperty("words").GetInt64(), summary.GetProperty("words").GetInt64());
            using var neighbors = await CliProcess.RunAsync(Timeout, "neighbors", model, "t1w2", "--top", "3", "--json");
            Assert.True(neighbors.ExitCode == 0, neighbors.Describe());
        }
    }

    [Fact]
    public async Task Should_resume_a_classifier_from_its_checkpoint_to_the_weights_of_an_unbroken_run()
    {
        using var directory = new TempDirectory();
        var (corpus, checkpoints) = (directory.File("corpus.txt"), directory.File("checkpoints"));
        await File.WriteAllTextAsync(corpus, Lines(400, 2, labelled: true));
        string[] job = ["--task", "classify", "--corpus", corpus, "--split", "80/10/10", "--hidden", "16", "--epochs", "3", "--decay-after", "1", "--batch", "16", "--threads", "1"];

        using var whole = await CliProcess.RunAsync(Timeout, ["train", .. job, "--checkpoint-dir", checkpoints, "--checkpoint-every", "7", "--json"]);
        Assert.True(whole.ExitCode == 0, whole.Describe());
        var expected = Assert.Single(whole.EventsNamed("summary")).GetProperty("weights_sha256").GetString();
        foreach (var checkpoint in new[] { "epoch-001.rnnc", "step-00000007.rnnc" })
        {
            using var resumed = await CliProcess.RunAsync(Timeout, "train", "--resume", Path.Combine(checkpoints, checkpoint), "--json");
            Assert.True(resumed.ExitCode == 0, resumed.Describe());
            Assert.Equal(expected, Assert.Single(resumed.EventsNamed("summary")).GetProperty("weights_sha256").GetString());
        }
    }
}
