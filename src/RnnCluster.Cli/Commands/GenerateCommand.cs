using System.CommandLine;
using System.Text;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster generate MODEL</c>: sample text from a trained model.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "model file written by --out" };
        var prompt = new Option<string?>("--prompt") { Description = "text to start from [default: a sentence start]" };
        var count = new Option<int>("--length") { Description = "tokens to sample", DefaultValueFactory = _ => 100 };
        var temperature = new Option<float>("--temperature") { Description = "softmax temperature; < 1 is more conservative", DefaultValueFactory = _ => 1f };
        var seed = new Option<ulong>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1UL };
        var command = new Command("generate", "Sample text from a trained model.") { model, prompt, count, temperature, seed };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            Threads.Configure(1);
            if (result.GetValue(count) is < 0 or > 10_000_000)
            {
                throw new ArgumentException($"--length {result.GetValue(count)} must be between 0 and 10000000 (tokens to sample)");
            }

            var trained = PositionalArgument.Read("<model>", () => ModelFile.Load(result.GetValue(model)!.FullName));
            EmbeddingCheckpoints.Refuse(trained, result.GetValue(model)!.FullName, "generate");
            if (trained.Spec.IsClassifier)
            {
                throw new ArgumentException($"{result.GetValue(model)!.FullName} is a document classifier ({trained.Labels.Count} classes), not a language model: use rnncluster predict MODEL FILE");
            }

            var word = trained.Kind == TokenizerKind.Word;
            var promptIds = PromptIds(result.GetValue(prompt), trained);
            var sampler = new Sampler(trained.Spec, trained.Weights, result.GetValue(seed));
            var output = new StringBuilder(result.GetValue(prompt) ?? string.Empty);
            sampler.Generate(promptIds, result.GetValue(count), result.GetValue(temperature), id =>
            {
                var token = trained.Vocabulary.TokenOf(id);
                if (word)
                {
                    output.Append(token == "<eos>" ? "\n" : (output.Length == 0 || output[^1] == '\n' ? string.Empty : " ") + token);
                }
                else
                {
                    output.Append(token);
                }
            });
            Console.WriteLine(output.ToString().TrimEnd());
            return Task.FromResult(0);
        }));
        return command;
    }

    private static int[] PromptIds(string? prompt, ModelFile trained)
    {
        if (string.IsNullOrEmpty(prompt))
        {
            var start = trained.Kind == TokenizerKind.Word ? "<eos>" : "\n";
            return trained.Vocabulary.Contains(start) ? [trained.Vocabulary.IdOf(start)] : [0];
        }

        var tokens = new List<string>();
        Tokenizers.Create(trained.Kind).Tokenize(prompt, tokens);
        if (trained.Kind == TokenizerKind.Word && tokens.Count > 0 && tokens[^1] == "<eos>")
        {
            tokens.RemoveAt(tokens.Count - 1); // a prompt continues its line
        }

        return tokens.Count == 0 ? [0] : [.. tokens.Select(trained.Vocabulary.IdOf)];
    }
}
