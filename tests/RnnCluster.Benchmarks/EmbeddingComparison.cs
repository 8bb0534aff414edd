using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using RnnCluster.Core.Embeddings;

namespace RnnCluster.Benchmarks;

/// <summary>
/// CBOW word embeddings on PTB against <c>fasttext cbow</c> and gensim's Word2Vec (<c>sg=0</c>), all with
/// 100 dimensions, window 5, 5 epochs, 5 negative samples, words seen 5+ times, subsampling 1e-3 and
/// the same thread count (fastText without its character n-grams, so all three train the same model).
/// Speed: each tool's training words per second and its process's wall time; quality: the share of
/// the hand-made (word, related, unrelated) triples of <c>data/ptb-triples.tsv</c> for which the
/// related word is the nearer by cosine. Installs Debian's <c>fasttext</c> and <c>python3-gensim</c> when missing.
/// </summary>
public static partial class EmbeddingComparison
{
    private const string Gensim = """
        import json, sys, time
        from gensim.models import Word2Vec
        from gensim.models.word2vec import LineSentence
        train, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
        sentences = list(LineSentence(train))
        model = Word2Vec(vector_size=100, window=5, sg=0, hs=0, negative=5, min_count=5, sample=1e-3, workers=threads, epochs=5, seed=1)
        model.build_vocab(sentences)
        start = time.perf_counter()
        model.train(sentences, total_examples=model.corpus_count, epochs=5)
        seconds = time.perf_counter() - start
        model.wv.save_word2vec_format(out)
        print(json.dumps({"train_seconds": seconds, "words": 5 * sum(len(s) for s in sentences)}))
        """;

    public static object Run(string repoRoot, string ptb, int rounds, int threads)
    {
        Install("/usr/bin/fasttext", "fasttext");
        if (!Directory.Exists("/usr/lib/python3/dist-packages/gensim"))
        {
            Install(null, "python3-gensim");
        }

        var train = Path.Combine(ptb, "ptb.train.txt");
        var triples = ReadTriples(Path.Combine(repoRoot, "tests", "RnnCluster.Benchmarks", "data", "ptb-triples.tsv"));
        var dir = Directory.CreateTempSubdirectory("rnncluster-cbow-").FullName;
        var script = Path.Combine(dir, "gensim_cbow.py");
        File.WriteAllText(script, Gensim);
        var runs = new Dictionary<string, List<(double WordsPerSecond, double WallSeconds, double Score)>>
        {
            ["rnncluster"] = [],
            ["fasttext"] = [],
            ["gensim"] = [],
        };
        for (var round = 0; round < rounds; round++)
        {
            var ours = Path.Combine(dir, "ours.vec");
            var clock = Stopwatch.StartNew();
            var summary = CliRunner.Summary(repoRoot, $"train --task cbow --corpus {ptb} --threads {threads} --out {ours}");
            runs["rnncluster"].Add((summary.GetProperty("words_per_sec").GetDouble(), clock.Elapsed.TotalSeconds, Score(ours, triples)));

            var prefix = Path.Combine(dir, "fasttext");
            clock.Restart();
            var (_, progress) = Shell.RunBoth("fasttext", $"cbow -input {train} -output {prefix} -dim 100 -ws 5 -epoch 5 -neg 5 -minCount 5 -t 1e-3 -minn 0 -maxn 0 -thread {threads}");
            var perThread = double.Parse(WordsPerThread().Matches(progress)[^1].Groups[1].Value, CultureInfo.InvariantCulture);
            runs["fasttext"].Add((perThread * threads, clock.Elapsed.TotalSeconds, Score(prefix + ".vec", triples)));

            var gensimOut = Path.Combine(dir, "gensim.vec");
            clock.Restart();
            var gensim = JsonDocument.Parse(Shell.Run("/usr/bin/python3", $"{script} {train} {gensimOut} {threads}")).RootElement;
            runs["gensim"].Add((gensim.GetProperty("words").GetDouble() / gensim.GetProperty("train_seconds").GetDouble(), clock.Elapsed.TotalSeconds, Score(gensimOut, triples)));
            Console.Error.WriteLine($"round {round + 1}: " + string.Join(", ", runs.Select(r => $"{r.Key} {r.Value[^1].WordsPerSecond:F0} words/s, {r.Value[^1].WallSeconds:F1} s, triples {r.Value[^1].Score:P1}")));
        }

        Directory.Delete(dir, recursive: true);
        return new
        {
            corpus = "PTB train (887,521 words)",
            settings = "dim 100, window 5, 5 epochs, negative 5, min count 5, subsample 1e-3",
            threads,
            rounds,
            triples = triples.Count,
            tools = runs.ToDictionary(r => r.Key, r => new
            {
                words_per_sec = r.Value.Select(v => Math.Round(v.WordsPerSecond)).ToArray(),
                median_words_per_sec = Math.Round(StepProfile.Median([.. r.Value.Select(v => v.WordsPerSecond)])),
                wall_seconds = r.Value.Select(v => Math.Round(v.WallSeconds, 2)).ToArray(),
                triple_scores = r.Value.Select(v => Math.Round(v.Score, 4)).ToArray(),
                median_triple_score = Math.Round(StepProfile.Median([.. r.Value.Select(v => v.Score)]), 4),
            }),
            words_per_sec_note = "rnncluster: corpus positions walked (subsampled words included) per second of training steps; fasttext: its own words/sec/thread × threads; gensim: 5 × the corpus's words over train()'s seconds",
        };
    }

    /// <summary>The share of triples whose related word is nearer to the word than the unrelated one.</summary>
    public static double Score(string vectorsPath, IReadOnlyList<(string Word, string Related, string Unrelated)> triples)
    {
        var vectors = WordVectors.Read(vectorsPath);
        return triples.Count(t => vectors.Cosine(t.Word, t.Related) > vectors.Cosine(t.Word, t.Unrelated)) / (double)triples.Count;
    }

    public static List<(string Word, string Related, string Unrelated)> ReadTriples(string path) =>
    [
        .. File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t')).Select(f => (f[0], f[1], f[2])),
    ];

    private static void Install(string? probe, string package)
    {
        if (probe is not null && File.Exists(probe))
        {
            return;
        }

        Console.Error.WriteLine($"installing Debian's {package} package …");
        Shell.Run("apt-get", $"install -y -q {package}");
    }

    [GeneratedRegex(@"words/sec/thread:\s+(\d+)")]
    private static partial Regex WordsPerThread();
}
