using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class TrainerDeterminismTests
{
    private static readonly TextDataset Data = TrainingTestData.Small(trainTokens: 2_000, validTokens: 200);

    private static float[] Train(CellType cell, float dropout, ulong seed, string optimizer = "sgd")
    {
        var spec = new ModelSpec(cell, Data.Vocabulary.Count, Layers: 2, Hidden: 12, Dropout: dropout);
        var options = new TrainingOptions { Batch = 4, Bptt = 8, Epochs = 2, MaxSteps = 70, Seed = seed, Optimizer = optimizer, LearningRate = optimizer == "adam" ? 0.01f : 1f };
        var trainer = new Trainer(spec, options, Data);
        trainer.Run();
        return trainer.Weights;
    }

    [Theory]
    [InlineData(CellType.Lstm, 0f)]
    [InlineData(CellType.Gru, 0f)]
    [InlineData(CellType.Rnn, 0f)]
    [InlineData(CellType.Lstm, 0.3f)]
    [InlineData(CellType.Gru, 0.3f)]
    [InlineData(CellType.Rnn, 0.3f)]
    public void Two_runs_with_the_same_seed_end_with_bit_identical_weights(CellType cell, float dropout)
    {
        var first = Train(cell, dropout, seed: 9);
        var second = Train(cell, dropout, seed: 9);

        Assert.True(TrainingTestData.BitIdentical(first, second),
            $"weights differ first at index {TrainingTestData.FirstBitDifference(first, second)}");
    }

    [Theory]
    [InlineData(CellType.Lstm, 0f)]
    [InlineData(CellType.Gru, 0.3f)]
    public void Runs_with_different_seeds_end_with_different_weights(CellType cell, float dropout)
    {
        var first = Train(cell, dropout, seed: 9);
        var second = Train(cell, dropout, seed: 10);

        Assert.True(TrainingTestData.RelativeDifference(first, second) > 0.1);
    }

    [Fact]
    public void Dropout_masks_depend_on_the_seed_not_only_the_initial_weights()
    {
        // Same initial weights (seed 9), different dropout seed: the trajectories must part.
        var spec = new ModelSpec(CellType.Lstm, Data.Vocabulary.Count, 1, 12, Dropout: 0.3f);
        var streams = new BatchStreams(Data.Train, 4);
        var a = TrainingTestData.InitializedModel(spec, 4, 8, seed: 9);
        var b = TrainingTestData.InitializedModel(spec, 4, 8, seed: 9);
        new ShardGradient(a, streams, 0, 8).Compute(0, 0, seed: 1, lossScale: 0.25f);
        new ShardGradient(b, streams, 0, 8).Compute(0, 0, seed: 2, lossScale: 0.25f);

        Assert.True(TrainingTestData.RelativeDifference(a.Gradients, b.Gradients) > 1e-2);
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_weights_with_adam()
    {
        var first = Train(CellType.Lstm, 0.3f, seed: 4, optimizer: "adam");
        var second = Train(CellType.Lstm, 0.3f, seed: 4, optimizer: "adam");

        Assert.True(TrainingTestData.BitIdentical(first, second),
            $"weights differ first at index {TrainingTestData.FirstBitDifference(first, second)}");
    }
}
