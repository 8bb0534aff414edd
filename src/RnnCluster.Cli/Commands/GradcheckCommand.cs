using System.CommandLine;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Models;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster gradcheck</c>: backprop against central finite differences on a tiny model.</summary>
public static class GradcheckCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "rnn | lstm | gru (language models; with --task classify recurrent classifiers) | char-lstm (the character-aware language model: a sample of each tensor) | bow (the bag-of-words classifier) | cbow (word embeddings: negative sampling and the full softmax) | all (every language model, classifier and cbow)", DefaultValueFactory = _ => "all" };
        var layers = new Option<int>("--layers") { Description = "stacked layers (bow: tanh layers)", DefaultValueFactory = _ => 2 };
        var dropout = new Option<float>("--dropout") { Description = "dropout (masks fixed during the check)", DefaultValueFactory = _ => 0.3f };
        var tolerance = new Option<double>("--tolerance") { Description = $"largest relative error allowed", DefaultValueFactory = _ => GradientCheck.DefaultTolerance };
        var task = new Option<string>("--task") { Description = "lm | classify: which rnn, lstm or gru model to check (all and bow ignore it)", DefaultValueFactory = _ => "lm" };
        var tied = new Option<bool>("--tie-weights") { Description = "check the language model with tied embedding and softmax weights (all: every language model both ways)" };
        var json = new Option<bool>("--json") { Description = "one JSON line per model with max_rel_error" };
        var command = new Command("gradcheck", "Check every layer's backward pass against central finite differences.") { model, layers, dropout, tolerance, task, tied, json };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            var name = result.GetValue(model)!;
            if (result.GetValue(tolerance) is not (> 0 and < 1) and var bad)
            {
                throw new ArgumentException($"--tolerance {bad} must be a relative error between 0 and 1 (exclusive)");
            }

            if (result.GetValue(task) is not ("lm" or "classify") and { } badTask)
            {
                throw new ArgumentException($"--task {Core.Text.QuotedText.Quote(badTask)}: expected lm or classify");
            }

            CellType[] recurrent = [CellType.Rnn, CellType.Lstm, CellType.Gru];
            var tie = result.GetValue(tied);
            CellType[] classifiers = [CellType.Rnn, CellType.Lstm, CellType.Gru, CellType.Bow];
            (CellType Cell, bool Classifier, bool Tied)[] checks = name == "all"
                ? [.. recurrent.Select(c => (c, false, false)), (CellType.CharLstm, false, false), .. (tie ? recurrent.Select(c => (c, false, true)) : []), .. classifiers.Select(c => (c, true, false)), (CellType.Cbow, false, false), (CellType.Cbow, false, true)]
                : !CellTypes.TryParse(name, out var one) ? throw new ArgumentException($"--model {Core.Text.QuotedText.Quote(name)}: expected rnn, lstm, gru, char-lstm, bow, cbow or all")
                : one == CellType.Cbow ? tie ? throw new ArgumentException("--tie-weights applies to language models only (not --model cbow)") : [(one, false, false), (one, false, true)]
                : one == CellType.Bow || result.GetValue(task) == "classify"
                    ? tie ? throw new ArgumentException("--tie-weights applies to language models only (not --model bow or --task classify)") : [(one, true, false)]
                    : [(one, false, tie)];
            var failed = false;
            foreach (var (cell, classifier, tiedCheck) in checks)
            {
                // For cbow the third field selects the full softmax instead of negative sampling.
                var r = cell == CellType.Cbow ? GradientCheck.RunCbow(fullSoftmax: tiedCheck, tolerance: result.GetValue(tolerance))
                    : classifier
                    ? GradientCheck.RunClassifier(cell, result.GetValue(layers), result.GetValue(dropout), tolerance: result.GetValue(tolerance))
                    : GradientCheck.Run(cell, result.GetValue(layers), result.GetValue(dropout), tolerance: result.GetValue(tolerance), tieWeights: tiedCheck);
                failed |= !r.Passed;
                var label = cell == CellType.Cbow ? $"cbow {(tiedCheck ? "full softmax" : "negative sampling")}"
                    : classifier && cell != CellType.Bow ? $"{cell.Name()} classifier" : tiedCheck ? $"{cell.Name()} tied" : cell.Name();
                if (result.GetValue(json))
                {
                    JsonEvents.WriteObject(new
                    {
                        model = cell.Name(),
                        task = cell == CellType.Cbow ? "cbow" : classifier ? "classify" : "lm",
                        tie_weights = cell != CellType.Cbow && tiedCheck,
                        loss = cell == CellType.Cbow ? (tiedCheck ? "full_softmax" : "negative_sampling") : null,
                        max_rel_error = r.MaxRelativeError,
                        passed = r.Passed,
                        tensors = r.Tensors.ToDictionary(t => t.Tensor, t => t.MaxRelativeError),
                        skipped_at_kinks = r.Tensors.Sum(t => t.Skipped),
                    });
                    continue;
                }

                Console.WriteLine($"{label}: {(r.Passed ? "ok" : "FAILED")} (max relative error {r.MaxRelativeError:E2}, tolerance {r.Tolerance:E0})");
                foreach (var t in r.Tensors)
                {
                    Console.WriteLine($"  {t.Tensor,-16} {t.Count,5} params   max rel error {t.MaxRelativeError:E2}{(t.Skipped > 0 ? $"   ({t.Skipped} skipped: a max-over-time winner or ReLU changed within ±ε)" : string.Empty)}");
                }
            }

            if (failed)
            {
                throw new CliError("gradient check failed: backward disagrees with finite differences");
            }

            return Task.FromResult(0);
        }));
        return command;
    }
}
