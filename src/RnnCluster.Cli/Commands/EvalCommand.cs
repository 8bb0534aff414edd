using System.CommandLine;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Classification;
using RnnCluster.Core.NGram;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster eval MODEL FILE</c>: perplexity of a trained model on a text file.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "model file written by train --out (a language model or a classifier), or an n-gram model (ARPA) written by ngram --out" };
        var file = new Argument<FileInfo>("file") { Description = "text to evaluate (tokenized like the training text; for a classifier, labelled documents as it was trained on)" };
        var batch = new Option<int>("--batch") { Description = "parallel streams (state carried across windows; language models only)", DefaultValueFactory = _ => 1 };
        var bptt = new Option<int>("--bptt") { Description = "window length (language models only)", DefaultValueFactory = _ => 35 };
        var threads = new Option<int>("--threads") { Description = "GEMM threads (0: all cores)" };
        var json = new Option<bool>("--json") { Description = "print {\"ppl\",\"loss\",\"tokens\",\"unknown\"} as JSON (unknown: the file's tokens outside the model's vocabulary, scored as <unk>) (a classifier: accuracy, macro_f1, loss, per_class, confusion)" };
        var command = new Command("eval", "Perplexity of a trained language model on a text file, or a classifier's accuracy, macro-F1, per-class scores and confusion matrix on labelled documents.") { model, file, batch, bptt, threads, json };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            Threads.Configure(result.GetValue(threads));
            if (result.GetValue(bptt) is < 1 or > 10_000)
            {
                throw new ArgumentException($"--bptt {result.GetValue(bptt)} must be between 1 and 10000");
            }

            if (result.GetValue(batch) < 1)
            {
                throw new ArgumentException($"--batch {result.GetValue(batch)} must be at least 1");
            }

            var modelPath = result.GetValue(model)!.FullName;
            var path = result.GetValue(file)!.FullName;
            if (ArpaFile.Looks(modelPath))
            {
                var ngram = PositionalArgument.Read("<model>", () => ArpaFile.Read(modelPath));
                WarnIgnored(result, [batch, bptt], "an n-gram model scores every token in one pass");
                var (words, unknown) = PositionalArgument.Read("<file>", () => Encode(path, CorpusReader.ReadText(path), TokenizerKind.Word, ngram.Vocabulary));
                Print(ngram.Evaluate(words), unknown, result.GetValue(json));
                return Task.FromResult(0);
            }

            var trained = PositionalArgument.Read("<model>", () => Load(modelPath));
            EmbeddingCheckpoints.Refuse(trained, modelPath, "eval");
            if (trained.Spec.IsClassifier)
            {
                WarnIgnored(result, [batch, bptt], "a classifier reads each document as it was trained to");
                var documents = PositionalArgument.Read("<file>", () => LabeledDocuments.Encode(path, trained));
                ClassificationPrinter.PrintEval(ClassifierEvaluator.Run(trained.Spec, trained.Weights, documents), trained.Labels, result.GetValue(json));
                return Task.FromResult(0);
            }

            var (ids, outside) = PositionalArgument.Read("<file>", () => Encode(path, CorpusReader.ReadText(path), trained.Kind, trained.Vocabulary));
            var b = result.GetValue(batch);
            if (ids.Length / b < 2)
            {
                throw new ArgumentException($"{path}: {ids.Length:N0} tokens cannot be evaluated with --batch {b} (each of the batch's streams needs at least 2 tokens: use --batch {Math.Max(1, ids.Length / 2)} or less)");
            }

            Print(Evaluator.Run(trained.Spec, trained.Weights, ids, b, result.GetValue(bptt)), outside, result.GetValue(json));
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <exception cref="CheckpointException">When the file is no model; one of another kind is named as neither kind eval reads.</exception>
    private static ModelFile Load(string path)
    {
        try
        {
            return ModelFile.Load(path);
        }
        catch (CheckpointException e) when (e.Foreign)
        {
            throw new CheckpointException($"'{path}' is neither a model written by train --out (an RnnCluster checkpoint, starting with \"RNNCKPT1\") nor an n-gram model written by ngram --out (ARPA, beginning with \\data\\)", e);
        }
    }

    /// <summary>A warning on standard error for each of <paramref name="options"/> given on the command line that this model does not use.</summary>
    private static void WarnIgnored(ParseResult result, Option[] options, string why)
    {
        foreach (var option in options.Where(o => result.GetResult(o) is { Implicit: false }))
        {
            Console.Error.WriteLine($"rnncluster: warning: {option.Name} applies to recurrent language models only and is ignored here: {why}");
        }
    }

    /// <summary>The text's token ids, and how many of its tokens the vocabulary lacks (each scored as &lt;unk&gt;).</summary>
    /// <exception cref="ArgumentException">Naming the file: a token is outside a vocabulary without &lt;unk&gt;.</exception>
    private static (int[] Ids, int Unknown) Encode(string path, string text, TokenizerKind kind, Vocabulary vocabulary)
    {
        try
        {
            var tokens = new List<string>();
            Tokenizers.Create(kind).Tokenize(text, tokens);
            return (TextDatasetLoader.Encode(tokens, vocabulary), tokens.Count(t => !vocabulary.Contains(t)));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{path}: {e.Message}", e);
        }
    }

    /// <param name="unknown">The file's tokens outside the model's vocabulary: scored as &lt;unk&gt;, they make the perplexity look better than on known words.</param>
    private static void Print(Evaluator.Result r, int unknown, bool json)
    {
        if (json)
        {
            JsonEvents.WriteObject(new { ppl = Math.Round(r.Perplexity, 4), loss = Math.Round(r.Loss, 6), tokens = r.Tokens, unknown });
        }
        else
        {
            Console.WriteLine($"perplexity {r.Perplexity:F3} (loss {r.Loss:F4} nats/token over {r.Tokens:N0} tokens)"
                + (unknown > 0 ? $"; {unknown:N0} of the file's tokens are outside the model's vocabulary and were scored as <unk>" : string.Empty));
        }
    }
}
