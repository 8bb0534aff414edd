using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Hosting;

/// <summary>
/// Compiles a node's compute paths while it waits for its first job. The CLI runs with tiered
/// compilation off (every method is compiled optimized at its first call), so without this the first
/// step of a job pays for compiling the model's forward and backward passes, the stream-group
/// reduction, the optimizer update and the evaluator in every process at once. Two steps of a tiny
/// model of each cell type (and its validation) compile the same methods a real job calls.
/// </summary>
public static class NodeWarmup
{
    /// <summary>Set to <c>off</c> to skip the warm-up (to measure what it saves).</summary>
    public const string EnvironmentVariable = "RNNCLUSTER_WARMUP";

    /// <summary>Runs the warm-up on the thread pool (unless <see cref="EnvironmentVariable"/> is <c>off</c>); failures are ignored (a job compiles what it needs anyway).</summary>
    public static Task StartAsync() => Environment.GetEnvironmentVariable(EnvironmentVariable) == "off" ? Task.CompletedTask : Task.Run(() =>
    {
        try
        {
            Run();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or CorpusException)
        {
            // a warm-up that cannot run changes nothing but the first step's time
        }
    });

    /// <summary>Two training steps and a validation of a 2×8 model of each recurrent cell on a 300-token built-in text.</summary>
    public static void Run()
    {
        var data = BuiltInCorpus.Dataset(300, 100, 1);
        foreach (var cell in new[] { CellType.Lstm, CellType.Gru, CellType.Rnn })
        {
            var spec = new ModelSpec(cell, data.Vocabulary.Count, 2, 8, Dropout: 0.1f);
            var options = new TrainingOptions { Batch = 4, Bptt = 5, MaxSteps = 2, Threads = 1, EvalBatch = 2 };
            var trainer = new Trainer(spec, options, data); // its Run would set the process's GEMM threads: the loop runs alone
            trainer.Loop.Run(trainer.Source, () => Evaluator.ValidPerplexity(spec, trainer.Weights, data, options), null, CancellationToken.None);
        }
    }
}
