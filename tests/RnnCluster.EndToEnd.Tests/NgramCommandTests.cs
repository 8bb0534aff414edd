using System.Globalization;
using System.Text;

namespace RnnCluster.EndToEnd.Tests;

/// <summary><c>rnncluster ngram</c> writes an ARPA model that <c>rnncluster eval</c> scores as the estimator did.</summary>
public sealed class NgramCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static string Sentences(int count, int seed)
    {
        var random = new Random(seed);
        string[] subjects = ["the cat", "a dog", "the old man", "my friend"];
        string[] verbs = ["sees", "likes", "chases", "finds"];
        string[] objects = ["the ball", "a bird", "the red car", "some bread"];
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append(subjects[random.Next(4)]).Append(' ').Append(verbs[random.Next(4)]).Append(' ').Append(objects[random.Next(4)]).Append('\n');
        }

        return text.ToString();
    }

    [Fact]
    public async Task Should_write_a_model_that_eval_scores_with_the_reported_validation_perplexity()
    {
        using var directory = new TempDirectory();
        var train = directory.File("train.txt");
        var valid = directory.File("valid.txt");
        var model = directory.File("kn3.arpa");
        await File.WriteAllTextAsync(train, Sentences(2_000, 1));
        var validText = Sentences(200, 2) + "the zebra sees a bird\n"; // 'zebra' is <unk>
        await File.WriteAllTextAsync(valid, validText);

        using var ngram = await CliProcess.RunAsync(Timeout, "ngram", "--corpus", train, "--valid", valid, "--order", "3", "--out", model, "--json");
        Assert.True(ngram.ExitCode == 0, ngram.Describe());
        var summary = Assert.Single(ngram.EventsNamed("summary"));
        Assert.Equal(3, summary.GetProperty("order").GetInt32());
        var reported = summary.GetProperty("valid_ppl").GetDouble();
        Assert.InRange(reported, 1.5, 12); // three words of 4 choices after a start: far below the vocabulary of 21
        Assert.StartsWith("\\data\\\n", await File.ReadAllTextAsync(model), StringComparison.Ordinal);

        using var eval = await CliProcess.RunAsync(Timeout, "eval", model, valid, "--json");
        Assert.True(eval.ExitCode == 0, eval.Describe());
        var scored = Assert.Single(eval.Events);
        Assert.Equal(reported, scored.GetProperty("ppl").GetDouble(), 3);
        var tokens = validText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(l => l.Split(' ').Length + 1); // every word and each <eos>
        Assert.Equal(tokens, scored.GetProperty("tokens").GetInt64());
        Assert.Equal(1, scored.GetProperty("unknown").GetInt32()); // 'zebra'

        // --batch means nothing to an n-gram model: the same score, and a warning that says so.
        using var batched = await CliProcess.RunAsync(Timeout, "eval", model, valid, "--batch", "4", "--json");
        Assert.True(batched.ExitCode == 0, batched.Describe());
        Assert.Equal(scored.GetProperty("ppl").GetDouble(), Assert.Single(batched.Events).GetProperty("ppl").GetDouble());
        Assert.Contains("rnncluster: warning: --batch applies to recurrent language models only and is ignored here: an n-gram model scores every token in one pass", batched.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_a_truncated_model_naming_the_file_and_line()
    {
        using var directory = new TempDirectory();
        var model = directory.File("cut.arpa");
        await File.WriteAllTextAsync(model, "\\data\\\nngram 1=3\n\n\\1-grams:\n-0.5\ta\n", Encoding.UTF8);

        using var eval = await CliProcess.RunAsync(Timeout, "eval", model, model);

        Assert.NotEqual(0, eval.ExitCode);
        var line = Assert.Single(eval.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"rnncluster: <model>: {model}: line 6: the file ends after 1 of the 3 1-grams the header promises"), line.Trim());
    }

    [Fact]
    public async Task A_missing_text_file_is_named_as_the_file_argument()
    {
        using var directory = new TempDirectory();
        var model = directory.File("uniform.arpa");
        await File.WriteAllTextAsync(model, "\\data\\\nngram 1=3\n\n\\1-grams:\n-0.5\t</s>\n-99\t<s>\n-0.5\t<unk>\n\n\\end\\\n", Encoding.UTF8);
        var missing = directory.File("missing.txt");

        using var eval = await CliProcess.RunAsync(Timeout, "eval", model, missing);

        Assert.NotEqual(0, eval.ExitCode);
        var line = Assert.Single(eval.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("rnncluster: <file>: ", line.Trim(), StringComparison.Ordinal);
        Assert.Contains("missing.txt", line, StringComparison.Ordinal);
    }
}
