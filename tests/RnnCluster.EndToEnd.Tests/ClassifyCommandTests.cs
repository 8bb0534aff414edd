using System.Globalization;
using System.Text;

namespace RnnCluster.EndToEnd.Tests;

/// <summary><c>train --task classify</c>, <c>eval</c> and <c>predict</c> on labelled files, and their bad input.</summary>
public sealed class ClassifyCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Documents of 3 topics in fastText's format: 3–8 words, each the topic's own with probability 0.6, else shared.</summary>
    private static string Documents(int count, int seed)
    {
        string[] shared = ["the", "a", "of", "and", "to", "is"];
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var k = random.Next(3);
            text.Append(CultureInfo.InvariantCulture, $"__label__topic{k}");
            for (var w = 3 + random.Next(6); w > 0; w--)
            {
                text.Append(' ').Append(random.NextDouble() < 0.6 ? $"t{k}w{random.Next(4)}" : shared[random.Next(shared.Length)]);
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    [Fact]
    public async Task Should_train_a_classifier_that_eval_and_predict_score_as_training_did()
    {
        using var directory = new TempDirectory();
        var (train, valid, test, model) = (directory.File("train.txt"), directory.File("valid.txt"), directory.File("test.txt"), directory.File("topics.rnnc"));
        await File.WriteAllTextAsync(train, Documents(1_200, 1));
        await File.WriteAllTextAsync(valid, Documents(150, 2));
        await File.WriteAllTextAsync(test, Documents(150, 3));

        using var run = await CliProcess.RunAsync(Timeout, "train", "--task", "classify", "--corpus", train, "--valid", valid, "--test", test,
            "--epochs", "6", "--decay-after", "3", "--hidden", "32", "--threads", "1", "--out", model, "--json");
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Equal(6, run.EventsNamed("epoch").Count());
        Assert.All(run.EventsNamed("epoch"), e => Assert.InRange(e.GetProperty("valid_accuracy").GetDouble(), 0, 1));
        var summary = Assert.Single(run.EventsNamed("summary"));
        var testAccuracy = summary.GetProperty("test_accuracy").GetDouble();
        Assert.InRange(testAccuracy, 0.85, 1.0);
        Assert.InRange(summary.GetProperty("test_macro_f1").GetDouble(), 0.85, 1.0);
        Assert.InRange(summary.GetProperty("valid_accuracy").GetDouble(), 0.85, 1.0);
        Assert.Equal(["topic0", "topic1", "topic2"], summary.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var confusion = summary.GetProperty("test").GetProperty("confusion");
        Assert.Equal(150, confusion.EnumerateArray().SelectMany(row => row.EnumerateArray()).Sum(c => c.GetInt64()));

        using var eval = await CliProcess.RunAsync(Timeout, "eval", model, test, "--json");
        Assert.True(eval.ExitCode == 0, eval.Describe());
        var scored = Assert.Single(eval.Events);
        Assert.Equal(testAccuracy, scored.GetProperty("accuracy").GetDouble(), 5);
        Assert.Equal(150, scored.GetProperty("documents").GetInt64());

        using var predict = await CliProcess.RunAsync(Timeout, "predict", model, test);
        Assert.True(predict.ExitCode == 0, predict.Describe());
        var predicted = predict.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var truth = (await File.ReadAllLinesAsync(test)).Select(l => l.Split(' ')[0]["__label__".Length..]).ToArray();
        Assert.Equal(truth.Length, predicted.Length);
        Assert.Equal(testAccuracy, truth.Zip(predicted).Count(p => p.First == p.Second) / (double)truth.Length, 5);

        // The same documents as a TSV: the label column is not read as a word.
        var tsv = directory.File("test.tsv");
        await File.WriteAllLinesAsync(tsv, (await File.ReadAllLinesAsync(test)).Select(l => l.Split(' ', 2) is var p ? $"{p[0]["__label__".Length..]}\t{p[1]}" : l));
        using var predictTsv = await CliProcess.RunAsync(Timeout, "predict", model, tsv);
        Assert.True(predictTsv.ExitCode == 0, predictTsv.Describe());
        Assert.Equal(predicted, predictTsv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        using var sample = await CliProcess.RunAsync(Timeout, "generate", model);
        Assert.NotEqual(0, sample.ExitCode);
        Assert.Contains("is a document classifier (3 classes), not a language model: use rnncluster predict", sample.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_take_the_classifier_defaults_from_a_job_file_and_split_one_file()
    {
        using var directory = new TempDirectory();
        var (all, job) = (directory.File("all.tsv"), directory.File("job.json"));
        var tsv = Documents(600, 4).Replace("__label__", string.Empty, StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2) is var p ? $"{p[0]}\t{p[1]}" : l);
        await File.WriteAllLinesAsync(all, tsv);
        await File.WriteAllTextAsync(job, $$"""{"task": "classify", "corpus": "{{all}}", "split": "80/10/10", "epochs": 3, "threads": 1}""");

        var logs = directory.File("logs");
        using var run = await CliProcess.RunAsync(Timeout, "train", "--job", job, "--log-dir", logs, "--json");
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(Path.Combine(logs, "confusion.png")))[..4]);
        using (var scores = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(logs, "scores.json"))))
        {
            Assert.Equal(3, scores.RootElement.GetProperty("test").GetProperty("confusion").GetArrayLength());
        }

        Assert.Contains("bow 1x100 classifier", run.Output, StringComparison.Ordinal);
        var summary = Assert.Single(run.EventsNamed("summary"));
        Assert.InRange(summary.GetProperty("test").GetProperty("documents").GetInt64(), 57, 63);
        Assert.InRange(summary.GetProperty("valid").GetProperty("documents").GetInt64(), 57, 63);
        Assert.InRange(summary.GetProperty("test_accuracy").GetDouble(), 0.8, 1.0);
    }

    [Theory]
    [InlineData("train.txt: line 3: no __label__NAME label", "__label__a x y\n__label__b z\njust words\n", "")]
    [InlineData("train.txt: the training documents have one class ('a')", "__label__a x y\n__label__a z\n", "__label__a x\n")]
    [InlineData("valid.txt: line 2: class 'c' never occurs in the training documents", "__label__a x y\n__label__b z\n", "__label__a x\n__label__c y\n")]
    [InlineData("train.txt: line 2: label 'b' has an empty document", "__label__a x y\n__label__b\n", "")]
    public async Task Should_refuse_bad_labelled_files_with_one_line_naming_file_and_line(string expected, string trainText, string validText)
    {
        using var directory = new TempDirectory();
        var (train, valid) = (directory.File("train.txt"), directory.File("valid.txt"));
        await File.WriteAllTextAsync(train, trainText);
        var args = new List<string> { "train", "--task", "classify", "--corpus", train, "--epochs", "1" };
        if (validText.Length > 0)
        {
            await File.WriteAllTextAsync(valid, validText);
            args.AddRange(["--valid", valid]);
        }

        using var run = await CliProcess.RunAsync(Timeout, [.. args]);
        Assert.True(run.ExitCode != 0, run.Describe());
        var line = Assert.Single(run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_to_predict_with_a_language_model()
    {
        using var directory = new TempDirectory();
        var (lm, text) = (directory.File("lm.rnnc"), directory.File("text.txt"));
        await File.WriteAllTextAsync(text, "some words\n");
        using (var train = await CliProcess.RunAsync(Timeout, "train", "--max-steps", "2", "--hidden", "16", "--layers", "1", "--out", lm))
        {
            Assert.True(train.ExitCode == 0, train.Describe());
        }

        using var predict = await CliProcess.RunAsync(Timeout, "predict", lm, text);
        Assert.NotEqual(0, predict.ExitCode);
        Assert.Contains("is a language model, not a classifier", predict.Errors, StringComparison.Ordinal);
    }
}
