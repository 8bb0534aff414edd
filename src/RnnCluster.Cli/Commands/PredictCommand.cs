using System.CommandLine;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Classification;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster predict MODEL FILE</c>: a trained classifier's most likely classes for each line of a file.</summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "classifier written by train --task classify --out" };
        var file = new Argument<FileInfo>("file") { Description = "one document a line; words as in training; __label__ tokens are ignored and a line with a TAB is read from after its first TAB, so a labelled file (fastText or TSV) can be given as it is" };
        var top = new Option<int>("--top") { Description = "classes shown per document, most likely first (1–K)", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "one JSON object per line: {\"line\", \"labels\": [{\"label\", \"probability\"}]}" };
        var command = new Command("predict", "Classify each line of a file with a trained classifier: its most likely class (and probability with --top or --json). A blank line gives a blank answer.") { model, file, top, json };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            Threads.Configure(1);
            var modelPath = result.GetValue(model)!.FullName;
            var trained = PositionalArgument.Read("<model>", () => ModelFile.Load(modelPath));
            EmbeddingCheckpoints.Refuse(trained, modelPath, "predict");
            if (!trained.Spec.IsClassifier)
            {
                throw new ArgumentException($"{modelPath} is a language model, not a classifier: predict needs a model trained with --task classify (use eval or generate for language models)");
            }

            var k = result.GetValue(top);
            if (k < 1 || k > trained.Labels.Count)
            {
                throw new ArgumentException($"--top {k} must be between 1 and the model's {trained.Labels.Count} classes");
            }

            var path = result.GetValue(file)!.FullName;
            var lines = PositionalArgument.Read("<file>", () => CorpusReader.ReadText(path)).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            if (lines.Count > 0 && lines[^1].Length == 0)
            {
                lines.RemoveAt(lines.Count - 1); // the newline that ends the last line
            }

            var documents = lines.Select(line => new Document(0, DocumentDatasetLoader.WordIds(
                [.. Text(line).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith(LabeledTextReader.LabelPrefix, StringComparison.Ordinal))],
                trained.Vocabulary))).ToArray();
            var answers = new string[documents.Length];
            var ranked = new (string Label, double Probability)[documents.Length][];
            if (documents.Length > 0)
            {
                ClassifierEvaluator.Probabilities(trained.Spec, trained.Weights, documents, (d, p) =>
                {
                    var probabilities = p.ToArray();
                    var order = Enumerable.Range(0, probabilities.Length).OrderByDescending(c => probabilities[c]).ThenBy(c => c).Take(k);
                    ranked[d] = documents[d].Words.Length == 0 ? [] : [.. order.Select(c => (trained.Labels[c], (double)probabilities[c]))];
                });
            }

            for (var d = 0; d < documents.Length; d++)
            {
                if (result.GetValue(json))
                {
                    JsonEvents.WriteObject(new { line = d + 1, labels = ranked[d].Select(r => new { label = r.Label, probability = Math.Round(r.Probability, 5) }).ToArray() });
                }
                else
                {
                    Console.WriteLine(k == 1 ? string.Join(' ', ranked[d].Select(r => r.Label))
                        : string.Join(' ', ranked[d].Select(r => $"{r.Label} {r.Probability:F4}")));
                }
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>A line's document: after its first TAB when it has one (a TSV's label column), else the whole line.</summary>
    private static string Text(string line) => line.IndexOf('\t', StringComparison.Ordinal) is var tab and >= 0 ? line[(tab + 1)..] : line;
}
