using System.CommandLine;
using System.Globalization;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Embeddings;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster neighbors VECTORS WORD…</c>: each word's nearest words by cosine similarity.</summary>
public static class NeighborsCommand
{
    public static Command Create()
    {
        var vectors = new Argument<FileInfo>("vectors") { Description = "word vectors in word2vec's text format (train --task cbow --out, or gensim's and fastText's .vec files)" };
        var words = new Argument<string[]>("words") { Description = "one or more words of the vectors' vocabulary", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top") { Description = "neighbours shown per word (1–1000)", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "one JSON object per word: {\"word\", \"neighbors\": [{\"word\", \"cosine\"}]}" };
        var command = new Command("neighbors", "Print each word's nearest neighbours in a set of word vectors, by cosine similarity, nearest first.") { vectors, words, top, json };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            var k = result.GetValue(top);
            if (k is < 1 or > 1000)
            {
                throw new ArgumentException($"--top {k} must be between 1 and 1000");
            }

            var path = result.GetValue(vectors)!.FullName;
            var loaded = PositionalArgument.Read("<vectors>", () => WordVectors.Read(path));
            var queries = result.GetValue(words)!;
            if (queries.FirstOrDefault(w => !loaded.Contains(w)) is { } missing)
            {
                throw new ArgumentException($"{Core.Text.QuotedText.Quote(missing)} is not among the {loaded.Words.Count:N0} words of {path}");
            }

            foreach (var word in queries)
            {
                var nearest = loaded.Nearest(word, Math.Min(k, loaded.Words.Count - 1));
                if (result.GetValue(json))
                {
                    JsonEvents.WriteObject(new { word, neighbors = nearest.Select(n => new { word = n.Word, cosine = Math.Round(n.Cosine, 5) }) });
                    continue;
                }

                Console.WriteLine($"{word}: " + string.Join(", ", nearest.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Word} {n.Cosine:F3}"))));
            }

            return Task.FromResult(0);
        }));
        return command;
    }
}
