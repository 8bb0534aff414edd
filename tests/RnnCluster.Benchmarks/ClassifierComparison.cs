using System.Diagnostics;
using RnnCluster.Core.Classification;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The fortunes classification benchmark (see <see cref="FortunesSplit"/>): RnnCluster's bag-of-words,
/// LSTM and GRU classifiers with their defaults against <c>fasttext supervised</c> (Debian's
/// <c>fasttext</c>, installed when missing) with its defaults and with <c>-epoch 25 -wordNgrams 2</c>,
/// every run on the same split and 2 threads. Ours are deterministic for a seed; fastText's
/// lock-free threads are not, so it runs <c>rounds</c> times and the medians are reported.
/// Accuracy and macro-F1 are computed on the test split by the same <see cref="ClassificationMetrics"/>.
/// </summary>
public static class ClassifierComparison
{
    public static object Run(string repoRoot, string dataDirectory, int rounds, int threads)
    {
        var train = Path.Combine(dataDirectory, "fortunes.train.txt");
        if (!File.Exists(train))
        {
            FortunesSplit.Run(dataDirectory);
        }

        if (!File.Exists("/usr/bin/fasttext"))
        {
            Console.Error.WriteLine("installing Debian's fasttext package …");
            Shell.Run("apt-get", "install -y -q fasttext");
        }

        var test = Path.Combine(dataDirectory, "fortunes.test.txt");
        var truth = File.ReadLines(test).Select(l => l.Split(' ')[0][LabeledTextReader.LabelPrefix.Length..]).ToArray();
        var labels = truth.Distinct().Order(StringComparer.Ordinal).ToArray();
        var runs = new List<object>();
        foreach (var model in new[] { "bow", "lstm", "gru" })
        {
            Console.Error.WriteLine($"rnncluster {model} …");
            var clock = Stopwatch.StartNew();
            var summary = CliRunner.Summary(repoRoot, $"train --task classify --corpus {dataDirectory} --model {model} --threads {threads}");
            runs.Add(new
            {
                tool = "rnncluster",
                settings = $"--model {model} (defaults)",
                test_accuracy = summary.GetProperty("test_accuracy").GetDouble(),
                test_macro_f1 = summary.GetProperty("test_macro_f1").GetDouble(),
                valid_accuracy = summary.GetProperty("valid_accuracy").GetDouble(),
                train_seconds = Math.Round(summary.GetProperty("train_seconds").GetDouble(), 2),
                wall_seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
            });
        }

        var output = Path.Combine(dataDirectory, "fasttext-model");
        foreach (var settings in new[] { string.Empty, "-epoch 25 -wordNgrams 2" })
        {
            var results = Enumerable.Range(0, rounds).Select(_ =>
            {
                Console.Error.WriteLine($"fasttext supervised {settings} …");
                var clock = Stopwatch.StartNew();
                Shell.Run("fasttext", $"supervised -input {train} -output {output} -thread {threads} {settings}");
                var seconds = clock.Elapsed.TotalSeconds;
                var predicted = Shell.Run("fasttext", $"predict {output}.bin {test}").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => l.Trim()[LabeledTextReader.LabelPrefix.Length..]).ToArray();
                var metrics = new ClassificationMetrics([.. truth.Select(t => Array.IndexOf(labels, t))], [.. predicted.Select(p => Array.IndexOf(labels, p))], labels.Length);
                return (metrics.Accuracy, metrics.MacroF1, seconds);
            }).ToArray();
            runs.Add(new
            {
                tool = "fasttext",
                settings = settings.Length == 0 ? "defaults" : settings,
                test_accuracy = Median(results.Select(r => r.Accuracy)),
                test_macro_f1 = Median(results.Select(r => r.MacroF1)),
                train_seconds = Math.Round(Median(results.Select(r => r.seconds)), 2),
                rounds,
                test_accuracies = results.Select(r => Math.Round(r.Accuracy, 4)).ToArray(),
            });
        }

        return new { data = dataDirectory, threads, test_documents = truth.Length, classes = labels.Length, runs };
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
