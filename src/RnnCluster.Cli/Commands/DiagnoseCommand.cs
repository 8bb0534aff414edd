using System.CommandLine;
using System.Globalization;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;
using RnnCluster.Monitoring.Plots;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// <c>rnncluster diagnose [MODEL…]</c>: the gradient-flow probe (<see cref="GradientFlow"/>) — how far
/// back in a BPTT window the loss's gradient reaches, per model, at initialization and, for trained
/// models, after training.
/// </summary>
public static class DiagnoseCommand
{
    private static readonly int[] TableLags = [0, 1, 2, 5, 10, 20, 30];

    public static Command Create()
    {
        var models = new Argument<FileInfo[]>("MODEL") { Description = "trained models (.rnnc); each is measured as trained and at initialization with the same architecture", Arity = ArgumentArity.ZeroOrMore };
        var cell = new Option<string>("--model") { Description = "without MODEL: fresh models of rnn | lstm | gru | all", DefaultValueFactory = _ => "all" };
        var corpus = new Option<string?>("--corpus") { Description = "text to run the windows over: a file, or a directory (its valid file) [default: the built-in corpus]" };
        var hidden = new Option<int>("--hidden") { Description = "fresh models' hidden size (PTB small: 200)", DefaultValueFactory = _ => 200 };
        var layers = new Option<int>("--layers") { Description = "fresh models' layers (the probe reads the top one)", DefaultValueFactory = _ => 2 };
        var initScale = new Option<float>("--init-scale") { Description = "fresh models' uniform initialisation ±scale", DefaultValueFactory = _ => 0.1f };
        var window = new Option<int>("--window") { Description = "BPTT window T: lags 0…T−1 are measured", DefaultValueFactory = _ => 35 };
        var windows = new Option<int>("--windows") { Description = "windows averaged over", DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch") { Description = "streams per window", DefaultValueFactory = _ => 20 };
        var seed = new Option<ulong>("--seed") { Description = "initialisation seed", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "write a PNG of the curves here" };
        var json = new Option<bool>("--json") { Description = "print one JSON object per measured model instead of the table" };
        var command = new Command("diagnose", "The gradient-flow probe: ‖∂L_T/∂h_k‖ for every lag T−k of a BPTT window (and an LSTM's memory cell), showing vanishing gradients.")
        {
            models, cell, corpus, hidden, layers, initScale, window, windows, batch, seed, output, json,
        };
        command.SetAction((result, _) => CliError.Guard(() =>
        {
            var steps = Check(result.GetValue(window), 2, 1000, "--window");
            var count = Check(result.GetValue(windows), 1, 100_000, "--windows");
            var streams = Check(result.GetValue(batch), 1, 1000, "--batch");
            var outPath = result.GetValue(output);
            if (outPath is not null && !outPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"--out {outPath}: the plot is a PNG file; name it *.png");
            }

            OutputPath.CheckFile(outPath, "--out");
            var results = new List<GradientFlow.Result>();
            var files = result.GetValue(models) ?? [];
            if (files.Length > 0)
            {
                var freshOnly = new Option[] { cell, hidden, layers, initScale }.FirstOrDefault(o => result.GetResult(o) is { Implicit: false });
                if (freshOnly is not null)
                {
                    throw new ArgumentException($"{freshOnly.Name}: describes a fresh model; a MODEL file brings its own architecture (leave {freshOnly.Name} out, or MODEL out)");
                }

                foreach (var file in files)
                {
                    var trained = PositionalArgument.Read("<MODEL>", () => ModelFile.Load(file.FullName));
                    EmbeddingCheckpoints.Refuse(trained, file.FullName, "diagnose");
                    if (trained.Spec.IsClassifier)
                    {
                        throw new ArgumentException($"{file.FullName} is a document classifier ({trained.Labels.Count} classes): diagnose measures a language model's gradient flow (use eval or predict for a classifier)");
                    }

                    var tokens = Encode(result.GetValue(corpus), trained);
                    var stem = Path.GetFileNameWithoutExtension(file.Name);
                    var name = stem == trained.Spec.Cell.Name() ? stem : $"{stem} ({trained.Spec.Cell.Name()})";
                    results.Add(Measure(trained.Spec, null, result.GetValue(seed), tokens, steps, streams, count, name, "init"));
                    results.Add(Measure(trained.Spec, trained.Weights, 0, tokens, steps, streams, count, name, "trained"));
                }
            }
            else
            {
                var job = new JobDefinition { Corpus = result.GetValue(corpus) };
                var data = JobDatasets.Load(job);
                var tokens = data.Valid.Length >= (steps + 1) * streams ? data.Valid : data.Train;
                CellType[] recurrent = [CellType.Rnn, CellType.Lstm, CellType.Gru];
                var cells = result.GetValue(cell) == "all" ? recurrent
                    : CellTypes.TryParse(result.GetValue(cell)!, out var one) && recurrent.Contains(one) ? [one]
                    : throw new ArgumentException($"--model {Core.Text.QuotedText.Quote(result.GetValue(cell)!)}: expected rnn, lstm, gru or all");
                foreach (var c in cells)
                {
                    var spec = ModelSpec.Default with
                    {
                        Cell = c,
                        Hidden = Check(result.GetValue(hidden), 1, 4096, "--hidden"),
                        Layers = Check(result.GetValue(layers), 1, 16, "--layers"),
                        InitScale = result.GetValue(initScale),
                        Dropout = 0f,
                        VocabSize = data.Vocabulary.Count,
                    };
                    spec.Validate();
                    results.Add(Measure(spec, null, result.GetValue(seed), tokens, steps, streams, count, c.Name(), "init"));
                }
            }

            Print(results, result.GetValue(json));
            if (outPath is not null)
            {
                GradientFlowPlot.Write(results, outPath);
                (result.GetValue(json) ? Console.Error : Console.Out).WriteLine($"wrote {Path.GetFullPath(outPath)}");
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    private static int Check(int value, int min, int max, string flag) =>
        value >= min && value <= max ? value : throw new ArgumentException($"{flag} {value} is out of range ({min}..{max})");

    private static GradientFlow.Result Measure(ModelSpec spec, float[]? weights, ulong seed, int[] tokens, int steps, int batch, int windows, string name, string stage)
    {
        var model = new LanguageModel(spec with { Dropout = 0f }, batch, steps, weights is null ? null : (float[])weights.Clone());
        if (weights is null)
        {
            model.Initialize(seed);
        }

        return GradientFlow.Measure(model, tokens, steps, batch, windows, name, stage);
    }

    /// <summary>The probe's text in the trained model's vocabulary: the corpus's validation file (or the file given), else the built-in corpus.</summary>
    private static int[] Encode(string? corpus, ModelFile trained)
    {
        string text;
        if (corpus is null)
        {
            text = BuiltInCorpus.Generate(50_000, seed: 2);
        }
        else if (Directory.Exists(corpus))
        {
            var files = CorpusFiles.Discover(corpus);
            text = CorpusReader.ReadText(files.Valid ?? files.Train);
        }
        else
        {
            text = CorpusReader.ReadText(corpus);
        }

        int[] ids;
        try
        {
            ids = TextDatasetLoader.Encode(text, Tokenizers.Create(trained.Kind), trained.Vocabulary);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{corpus ?? "the built-in corpus"}: {CliError.Reason(e)} (give the --corpus the model was trained on)", e);
        }

        if (trained.Vocabulary.UnknownId is >= 0 and var unk && ids.Length > 0 && ids.Count(id => id == unk) is var unknown && unknown > 0.3 * ids.Length)
        {
            Console.Error.WriteLine($"rnncluster: warning: {corpus ?? "the built-in corpus"}: {100.0 * unknown / ids.Length:F0}% of its tokens are not in the model's vocabulary (read as <unk>); give the --corpus the model was trained on");
        }

        return ids;
    }

    private static object ToJson(GradientFlow.Result r) => new
    {
        model = r.Model,
        stage = r.Stage,
        windows = r.Windows,
        hidden_norms = r.HiddenNorms,
        cell_norms = r.CellNorms,
        ratio_lag20_to_lag1 = Ratio(r.HiddenNorms, 20, 1),
    };

    private static double? Ratio(double[] norms, int lag, int reference) => norms.Length > lag && norms[reference] > 0 ? norms[lag] / norms[reference] : null;

    private static void Print(List<GradientFlow.Result> results, bool json)
    {
        if (json)
        {
            foreach (var r in results)
            {
                JsonEvents.WriteObject(ToJson(r));
            }

            return;
        }

        var steps = results[0].HiddenNorms.Length;
        var lags = TableLags.Where(l => l < steps).Append(steps - 1).Distinct().ToList();
        Console.WriteLine($"‖∂L_T/∂h‖ (and an LSTM's ‖∂L_T/∂c‖) by lag, mean over {results[0].Windows} windows; last column: lag 20 ÷ lag 1");
        Console.WriteLine(string.Join(' ', new[] { "model".PadRight(34) }.Concat(lags.Select(l => $"lag {l}".PadLeft(10))).Append("20/1".PadLeft(10))));
        foreach (var r in results)
        {
            Row($"{r.Model} {r.Stage}: h", r.HiddenNorms);
            if (r.CellNorms is { } cellNorms)
            {
                Row($"{r.Model} {r.Stage}: c", cellNorms);
            }
        }

        void Row(string label, double[] norms)
        {
            var ratio = Ratio(norms, 20, 1);
            Console.WriteLine(string.Join(' ', new[] { label.PadRight(34) }
                .Concat(lags.Select(l => norms[l].ToString("0.000e+0", CultureInfo.InvariantCulture).PadLeft(10)))
                .Append((ratio is { } x ? x.ToString("0.00e+0", CultureInfo.InvariantCulture) : "-").PadLeft(10))));
        }
    }
}
