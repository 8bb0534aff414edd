using System.Diagnostics;
using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Training;

namespace RnnCluster.Benchmarks;

/// <summary>Where a CBOW step's time goes in one process: the gradient (groups in parallel, then their sum) against the update, per thread count, alternated.</summary>
public static class CbowProfile
{
    public static object Run(string ptb, int steps, int rounds)
    {
        var job = JobDefinition.CbowDefaults with { Corpus = ptb };
        var data = CbowDataset.Load(ptb, null, job.MinCount);
        var spec = job.ToModelSpec(data.Vocabulary.Count);
        var results = new Dictionary<string, List<(double Gradient, double Update)>> { ["1"] = [], ["2"] = [] };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var threads in new[] { 1, 2 })
            {
                var trainer = new CbowTrainer(spec, job.Cbow, job.Training with { Threads = threads }, data);
                var gradient = new Stopwatch();
                var update = new Stopwatch();
                for (var s = 0; s < steps; s++)
                {
                    gradient.Start();
                    var result = trainer.Source.Compute(trainer.Loop.Window, trainer.Loop.Step, 1, trainer.Loop.LossScale);
                    gradient.Stop();
                    update.Start();
                    trainer.Loop.Apply(trainer.Source.Gradient, result, trainer.Source.Support);
                    update.Stop();
                }

                results[threads.ToString(System.Globalization.CultureInfo.InvariantCulture)].Add((gradient.Elapsed.TotalMilliseconds / steps, update.Elapsed.TotalMilliseconds / steps));
                Console.Error.WriteLine($"round {round + 1}, {threads} thread(s): gradient {gradient.Elapsed.TotalMilliseconds / steps:F3} ms, update {update.Elapsed.TotalMilliseconds / steps:F3} ms a step, support {trainer.Source.Support.Rows.Length} rows");
            }
        }

        return results.ToDictionary(r => r.Key, r => new
        {
            gradient_ms = Math.Round(StepProfile.Median([.. r.Value.Select(v => v.Gradient)]), 3),
            update_ms = Math.Round(StepProfile.Median([.. r.Value.Select(v => v.Update)]), 3),
        });
    }
}
