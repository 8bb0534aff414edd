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
        var model = new Option<string>("--model") { Description = "rnn | lstm | gru | all", DefaultValueFactory = _ => "all" };
        var layers = new Option<int>("--layers") { Description = "stacked layers", DefaultValueFactory = _ => 2 };
        var dropout = new Option<float>("--dropout") { Description = "dropout (masks fixed during the check)", DefaultValueFactory = _ => 0.3f };
        var tolerance = new Option<double>("--tolerance") { Description = $"largest relative error allowed", DefaultValueFactory = _ => GradientCheck.DefaultTolerance };
        var json = new Option<bool>("--json") { Description = "one JSON line per model with max_rel_error" };
        var command = new Command("gradcheck", "Check every layer's backward pass against central finite differences.") { model, layers, dropout, tolerance, json };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            var name = result.GetValue(model)!;
            if (result.GetValue(tolerance) is not (> 0 and < 1) and var bad)
            {
                throw new ArgumentException($"--tolerance {bad} must be a relative error between 0 and 1 (exclusive)");
            }

            var cells = name == "all" ? Enum.GetValues<CellType>() : [CellTypes.Parse(name)];
            var failed = false;
            foreach (var cell in cells)
            {
                var r = GradientCheck.Run(cell, result.GetValue(layers), result.GetValue(dropout), tolerance: result.GetValue(tolerance));
                failed |= !r.Passed;
                if (result.GetValue(json))
                {
                    JsonEvents.WriteObject(new
                    {
                        model = cell.Name(),
                        max_rel_error = r.MaxRelativeError,
                        passed = r.Passed,
                        tensors = r.Tensors.ToDictionary(t => t.Tensor, t => t.MaxRelativeError),
                    });
                    continue;
                }

                Console.WriteLine($"{cell.Name()}: {(r.Passed ? "ok" : "FAILED")} (max relative error {r.MaxRelativeError:E2}, tolerance {r.Tolerance:E0})");
                foreach (var t in r.Tensors)
                {
                    Console.WriteLine($"  {t.Tensor,-14} {t.Count,5} params   max rel error {t.MaxRelativeError:E2}");
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
