using System.Diagnostics;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Benchmarks;

/// <summary>
/// Times one training step of <c>train</c> split into its phases: the stream groups' forward and
/// backward in parallel, the tree sum of their gradients, and clip + update; PTB small config.
/// </summary>
public static class GroupProfile
{
    public static object Run(TextDataset data, CellType cell, int threads, int groups, bool deterministic, int steps)
    {
        var spec = new ModelSpec(cell, data.Vocabulary.Count, 2, 200);
        var options = new TrainingOptions { Threads = threads, StreamGroups = groups, Deterministic = deterministic, MaxSteps = steps };
        var trainer = new Trainer(spec, options, data with { Valid = data.Valid[..100] });
        trainer.Plan.ConfigureGemm();
        var (loop, source) = (trainer.Loop, trainer.Source);
        var phases = new Dictionary<string, List<double>> { ["groups"] = [], ["sum"] = [], ["update"] = [], ["step"] = [] };
        for (var s = 0; s < steps; s++)
        {
            var total = Stopwatch.StartNew();
            var result = source.Compute(loop.Window, loop.Step, options.Seed, loop.LossScale);
            var update = Stopwatch.StartNew();
            loop.Apply(source.Gradient, result, source.Support);
            phases["update"].Add(update.Elapsed.TotalMilliseconds);
            phases["groups"].Add(source.LastGroupsMs);
            phases["sum"].Add(source.LastSumMs);
            phases["step"].Add(total.Elapsed.TotalMilliseconds);
        }

        var warm = steps / 5;
        var medians = phases.ToDictionary(p => p.Key + "_ms", p => Math.Round(StepProfile.Median(p.Value.Skip(warm)), 2));
        return new { trainer.Plan, medians, tokens_per_sec = Math.Round(400 / medians["step_ms"] * 1000) };
    }
}
