using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

[Collection(SharedClustersCollection.Name)]
[TestCaseOrderer(ByWorkerCount.TypeName, ByWorkerCount.AssemblyName)]
public sealed class DeterministicTrainingTests(SharedClusters clusters)
{
    [Theory]
    [InlineData(1, "coordinator")]
    [InlineData(2, "coordinator")]
    [InlineData(4, "coordinator")]
    [InlineData(2, "workers")]
    [InlineData(3, "workers")]
    [InlineData(4, "workers")]
    [InlineData(2, "coordinator", true)] // tied weights: the embedding's gradient is dense on the wire and in the key ranges
    [InlineData(2, "workers", true)]
    [InlineData(2, "workers", false, "char-lstm")] // the character-aware model: dense encoder gradients, the vocabulary spelt on each worker
    public async Task Should_end_with_the_weights_of_single_process_training_bit_for_bit(int workers, string placement, bool tied = false, string model = "lstm")
    {
        // Batch 8 in the default 4 stream groups: 2 and 4 workers get equal tree nodes, 3 get 2+1+1 groups.
        var dir = Directory.CreateTempSubdirectory("rnncluster-deterministic-").FullName;
        try
        {
            var job = TestCluster.SmallJob(dropout: 0.3f, workers: workers).WithTraining(t => t with { Batch = 8, Deterministic = true, MaxSteps = 30 })
                .WithModel(m => m with { TieWeights = tied, Cell = Core.Models.CellTypes.Parse(model) }) with
            {
                PsPlacement = placement,
                Out = Path.Combine(dir, "cluster.rnnc"),
            };
            var data = BuiltInCorpus.Dataset(job.BuiltinTrainTokens, job.BuiltinValidTokens, job.Training.Seed);
            var reference = new Trainer(job.ToModelSpec(data.Vocabulary), job.Training with { Threads = 2 }, data);
            reference.Run();
            var cluster = await clusters.WithWorkers(workers);

            var events = await cluster.WatchAsync(await cluster.SubmitAsync(job));

            var done = Assert.IsType<JobCompleted>(events[^1]);
            Assert.Equal(workers, done.Summary.Workers);
            Assert.Equal(30, done.Summary.Steps);
            var epoch = Assert.Single(events.OfType<JobEpoch>()); // max_steps ends it early: only its first 30 windows are expected
            Assert.Equal(epoch.TokensExpected, epoch.Report.Tokens);
            Assert.Equal(30L * job.Training.Batch * job.Training.Bptt, epoch.TokensExpected);

            var trained = ModelFile.Load(job.Out!).Weights;
            Assert.Equal(reference.Weights.Length, trained.Length);
            var firstDifference = Enumerable.Range(0, trained.Length)
                .FirstOrDefault(i => BitConverter.SingleToInt32Bits(trained[i]) != BitConverter.SingleToInt32Bits(reference.Weights[i]), -1);
            Assert.True(firstDifference < 0, $"weights differ first at index {firstDifference}: {trained[Math.Max(0, firstDifference)]:R} against {reference.Weights[Math.Max(0, firstDifference)]:R}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
