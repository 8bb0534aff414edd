using System.CommandLine;
using System.Diagnostics;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.NGram;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// <c>rnncluster ngram</c>: an interpolated modified Kneser-Ney n-gram model (the baseline row of the
/// course's perplexity table) on the same tokens and vocabulary as the recurrent models, written as
/// an ARPA file that <c>rnncluster eval</c> (and SRILM or KenLM) reads.
/// </summary>
public static class NgramCommand
{
    private const int MaxOrder = 9;

    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "training text file, or a directory with train/valid/test files; default: the built-in corpus" };
        var valid = new Option<string?>("--valid") { Description = "validation text file (default: the corpus directory's valid file, else the last 10% of the training text)" };
        var test = new Option<string?>("--test") { Description = "test text file (default: the corpus directory's test file, if any)" };
        var order = new Option<int>("--order") { Description = $"longest n-gram, 1–{MaxOrder}", DefaultValueFactory = _ => 5 };
        var output = new Option<string?>("--out") { Description = "write the model here as an ARPA file (read by rnncluster eval)" };
        var maxVocab = new Option<int>("--max-vocab") { Description = "keep at most this many words (0: all), as train", DefaultValueFactory = _ => 0 };
        var minCount = new Option<int>("--min-count") { Description = "words seen fewer times become <unk>, as train", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "print the summary as one JSON line" };
        var command = new Command("ngram", "Estimate an interpolated modified Kneser-Ney n-gram model (Chen & Goodman 1998) and report its validation perplexity.")
        {
            corpus, valid, test, order, output, maxVocab, minCount, json,
        };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            var n = result.GetValue(order);
            if (n is < 1 or > MaxOrder)
            {
                throw new ArgumentException($"--order {n} must be between 1 and {MaxOrder}");
            }

            if (result.GetValue(maxVocab) is var v && v != 0 && v < 2)
            {
                throw new ArgumentException($"--max-vocab {v} must be 0 (no cap) or at least 2");
            }

            if (result.GetValue(minCount) < 1)
            {
                throw new ArgumentException($"--min-count {result.GetValue(minCount)} must be at least 1");
            }

            var job = new JobDefinition { Corpus = result.GetValue(corpus), Valid = result.GetValue(valid), Test = result.GetValue(test) };
            JobDatasets.CheckInputPaths(job);
            OutputPath.CheckFile(result.GetValue(output), "--out");
            var quiet = result.GetValue(json);
            var clock = Stopwatch.StartNew();
            var data = job.Corpus is null
                ? BuiltInCorpus.Dataset(job.BuiltinTrainTokens, job.BuiltinValidTokens, 1)
                : TextDatasetLoader.Load(job.Corpus, job.Valid, job.Test, TokenizerKind.Word, result.GetValue(maxVocab), result.GetValue(minCount));
            Info(quiet, $"{data.Train.Length:N0} training / {data.Valid.Length:N0} validation tokens, vocabulary {data.Vocabulary.Count:N0}"
                + (job.Corpus is null ? " (built-in corpus)" : string.Empty) + $"; estimating a {n}-gram model");
            var model = KneserNeyEstimator.Estimate(data.Train, data.Vocabulary, n);
            var counts = Enumerable.Range(1, n).Select(model.Count).ToArray();
            var estimated = clock.Elapsed.TotalSeconds;
            Info(quiet, $"n-grams per order: {string.Join(", ", counts.Select(c => c.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))} ({estimated:F1} s)");
            var validPpl = model.Evaluate(data.Valid).Perplexity;
            var testPpl = data.Test is { } t ? model.Evaluate(t).Perplexity : (double?)null;
            if (result.GetValue(output) is { } path)
            {
                ArpaFile.Write(path, model);
            }

            var optimum = job.Corpus is null ? BuiltInCorpus.OptimalPerplexity : (double?)null;
            if (quiet)
            {
                JsonEvents.Write("summary", new
                {
                    model = $"kn{n}",
                    order = n,
                    vocabulary = data.Vocabulary.Count,
                    ngrams = counts,
                    train_tokens = data.Train.Length,
                    valid_ppl = Math.Round(validPpl, 4),
                    test_ppl = testPpl is { } tp ? Math.Round(tp, 4) : (double?)null,
                    optimal_ppl = optimum is { } o ? Math.Round(o, 4) : (double?)null,
                    seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
                    @out = result.GetValue(output),
                });
            }
            else
            {
                Console.WriteLine($"Kneser-Ney {n}-gram: validation perplexity {validPpl:F2}"
                    + (testPpl is { } tp ? $", test {tp:F2}" : string.Empty)
                    + (optimum is { } o ? $" (the corpus's optimum is {o:F2})" : string.Empty)
                    + $"; {clock.Elapsed.TotalSeconds:F1} s"
                    + (result.GetValue(output) is { } p ? $"; model written to {p}" : string.Empty));
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    private static void Info(bool quiet, string line)
    {
        if (!quiet)
        {
            Console.Error.WriteLine(line);
        }
    }
}
