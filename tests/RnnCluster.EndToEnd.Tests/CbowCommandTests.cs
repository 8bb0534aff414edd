using System.Text;

namespace RnnCluster.EndToEnd.Tests;

/// <summary><c>train --task cbow</c> writing word2vec-format vectors, and <c>neighbors</c> reading them.</summary>
public sealed class CbowCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Lines of one of two topics (a0…a9 or b0…b9) mixed with the shared words "the" and "of".</summary>
    private static string Sentences(int count, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var topic = random.Next(2) == 0 ? "a" : "b";
            var words = Enumerable.Range(0, 6 + random.Next(5)).Select(_ => random.Next(4) switch { 0 => "the", 1 => "of", _ => $"{topic}{random.Next(10)}" });
            text.Append(string.Join(' ', words)).Append('\n');
        }

        return text.ToString();
    }

    [Fact]
    public async Task Should_train_vectors_that_neighbors_reads_with_each_topic_together()
    {
        using var directory = new TempDirectory();
        var (train, valid, vectors) = (directory.File("train.txt"), directory.File("valid.txt"), directory.File("topics.vec"));
        await File.WriteAllTextAsync(train, Sentences(2_000, 1));
        await File.WriteAllTextAsync(valid, Sentences(200, 2));

        using var run = await CliProcess.RunAsync(Timeout, "train", "--task", "cbow", "--corpus", train, "--valid", valid, "--hidden", "16", "--min-count", "1",
            "--window", "3", "--subsample", "0", "--batch", "100", "--lr", "2", "--epochs", "3", "--init-scale", "0.03", "--threads", "2", "--out", vectors, "--json");
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Equal(3, run.EventsNamed("epoch").Count());
        var summary = Assert.Single(run.EventsNamed("summary"));
        Assert.Equal("cbow", summary.GetProperty("task").GetString());
        Assert.True(summary.GetProperty("words_per_sec").GetDouble() > 0);
        var validLosses = run.EventsNamed("epoch").Select(e => e.GetProperty("valid_loss").GetDouble()).ToArray();
        Assert.True(validLosses[2] < validLosses[0] && validLosses[2] < 3.0, run.Describe()); // zero output vectors score 6·ln 2 = 4.16 with 5 negatives

        var lines = await File.ReadAllLinesAsync(vectors);
        Assert.Equal("22 16", lines[0]);
        Assert.Equal(23, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Equal(17, l.Split(' ').Length));

        using var neighbors = await CliProcess.RunAsync(Timeout, "neighbors", vectors, "a3", "b7", "--top", "5", "--json");
        Assert.True(neighbors.ExitCode == 0, neighbors.Describe());
        Assert.Equal(2, neighbors.Events.Count);
        foreach (var (answer, topic) in neighbors.Events.Zip(new[] { "a", "b" }))
        {
            var words = answer.GetProperty("neighbors").EnumerateArray().Select(n => n.GetProperty("word").GetString()!).ToArray();
            Assert.Equal(5, words.Length);
            Assert.All(words, w => Assert.StartsWith(topic, w));
        }

        using var plain = await CliProcess.RunAsync(Timeout, "neighbors", vectors, "a3");
        Assert.True(plain.ExitCode == 0, plain.Describe());
        Assert.StartsWith("a3: a", plain.Output, StringComparison.Ordinal);

        using var missing = await CliProcess.RunAsync(Timeout, "neighbors", vectors, "a3", "zebra");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"rnncluster: 'zebra' is not among the 22 words of {vectors}", missing.Errors.Trim());
    }

    [Fact]
    public async Task Should_checkpoint_mid_epoch_and_refuse_its_checkpoints_in_the_commands_of_other_models()
    {
        using var directory = new TempDirectory();
        var (train, checkpoints) = (directory.File("train.txt"), directory.File("checkpoints"));
        await File.WriteAllTextAsync(train, Sentences(600, 1));
        using var run = await CliProcess.RunAsync(Timeout, "train", "--task", "cbow", "--corpus", train, "--hidden", "8", "--min-count", "1", "--subsample", "0",
            "--batch", "200", "--lr", "2", "--epochs", "1", "--checkpoint-dir", checkpoints, "--checkpoint-every", "5", "--json");
        Assert.True(run.ExitCode == 0, run.Describe());
        var step = Path.Combine(checkpoints, "step-00000005.rnnc");
        Assert.True(File.Exists(step), run.Describe());

        foreach (var command in new[] { "eval", "generate", "predict" })
        {
            string[] args = command == "generate" ? [command, step] : [command, step, train];
            using var refused = await CliProcess.RunAsync(Timeout, args);
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal($"rnncluster: {step} is a checkpoint of CBOW word embeddings, which {command} does not read: `--out` of a --task cbow run writes its vectors in word2vec's text format for `rnncluster neighbors` (finish this run with train --resume or submit --resume)", refused.Errors.Trim());
        }

        var singles = directory.File("singles.txt");
        await File.WriteAllTextAsync(singles, string.Concat(Enumerable.Range(0, 50).Select(i => $"w{i % 5}\n")));
        using var noContext = await CliProcess.RunAsync(Timeout, "train", "--task", "cbow", "--corpus", singles, "--valid", singles, "--min-count", "1", "--subsample", "0");
        Assert.Equal(1, noContext.ExitCode);
        Assert.StartsWith($"rnncluster: corpus file '{singles}': no line holds two words of the vocabulary", noContext.Errors.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_a_corpus_too_small_for_its_subsampling_before_training()
    {
        using var directory = new TempDirectory();
        var text = directory.File("tiny.txt");
        await File.WriteAllTextAsync(text, string.Concat(Enumerable.Repeat("the cat sat on the mat\n", 20)));
        using var cli = await CliProcess.RunAsync(Timeout, "train", "--task", "cbow", "--corpus", text);
        Assert.Equal(1, cli.ExitCode);
        Assert.StartsWith("rnncluster: --subsample 0.001 keeps about ", cli.Errors.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("give a larger --subsample (fewer words thinned), or 0 (none)", cli.Errors.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("epoch", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_a_file_that_is_not_word_vectors_naming_it_and_the_line()
    {
        using var directory = new TempDirectory();
        var text = directory.File("text.txt");
        await File.WriteAllTextAsync(text, "hello world\n");
        using var cli = await CliProcess.RunAsync(Timeout, "neighbors", text, "hello");
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains($"word vectors '{text}', line 1: expected \"WORDS DIMENSIONS\"", cli.Errors, StringComparison.Ordinal);
        Assert.Single(cli.Errors.Trim().Split('\n'));
    }
}
