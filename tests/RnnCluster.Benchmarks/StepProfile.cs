using System.Diagnostics;
using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Benchmarks;

/// <summary>Times the phases of a training step (forward, backward, zero-grad, clip+update) on real data.</summary>
public static class StepProfile
{
    public static object Run(TextDataset data, CellType cell, int threads, int steps)
    {
        Gemm.SetThreads(threads);
        var spec = new ModelSpec(cell, data.Vocabulary.Count, 2, 200);
        var model = new LanguageModel(spec, 20, 20);
        model.Initialize(1);
        var shard = new ShardGradient(model, new BatchStreams(data.Train, 20), 0, 20);
        var optimizer = new SgdOptimizer();
        var inputs = new int[400];
        var targets = new int[400];
        var phases = new Dictionary<string, List<double>> { ["forward"] = [], ["backward"] = [], ["zero"] = [], ["update"] = [], ["step"] = [] };
        var clock = new Stopwatch();
        for (var s = 0; s < steps; s++)
        {
            var w = s % shard.WindowCount;
            shard.Streams.FillWindow(w, 20, 0, 20, inputs, targets);
            var total = Stopwatch.StartNew();
            Time(clock, phases["zero"], model.ZeroGradients);
            Time(clock, phases["forward"], () => model.Forward(inputs, targets, 20, 20, shard.State, null));
            Time(clock, phases["backward"], () => model.Backward(0.05f));
            Time(clock, phases["update"], () => ParameterUpdate.Apply(model.Weights, model.Gradients, optimizer, 1f, 5f));
            phases["step"].Add(total.Elapsed.TotalMilliseconds);
        }

        var warm = steps / 5;
        return phases.ToDictionary(p => p.Key + "_ms", p => Math.Round(Median(p.Value.Skip(warm)), 2));
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    private static void Time(Stopwatch clock, List<double> into, Action action)
    {
        clock.Restart();
        action();
        into.Add(clock.Elapsed.TotalMilliseconds);
    }
}
