using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class DeterministicTrainingTests
{
    private static readonly TextDataset Data = TrainingTestData.Small(trainTokens: 3_000, validTokens: 200);

    private static ModelSpec Spec(CellType cell, float dropout) => new(cell, Data.Vocabulary.Count, Layers: 2, Hidden: 16, Dropout: dropout);

    private static TrainingOptions Options(int threads, int groups = 0, bool deterministic = true)
        => new() { Batch = 8, Bptt = 6, Epochs = 2, MaxSteps = 40, LearningRate = 1f, Threads = threads, StreamGroups = groups, Deterministic = deterministic };

    private static float[] Train(ModelSpec spec, TrainingOptions options)
    {
        var trainer = new Trainer(spec, options, Data);
        trainer.Run();
        return trainer.Weights;
    }

    [Theory]
    [InlineData(CellType.Lstm, 0f)]
    [InlineData(CellType.Gru, 0.3f)]
    [InlineData(CellType.Rnn, 0.3f)]
    public void Deterministic_training_gives_the_same_bits_for_one_and_two_threads(CellType cell, float dropout)
    {
        var one = Train(Spec(cell, dropout), Options(threads: 1));
        var two = Train(Spec(cell, dropout), Options(threads: 2));

        Assert.True(TrainingTestData.BitIdentical(one, two), $"weights differ first at index {TrainingTestData.FirstBitDifference(one, two)}");
    }

    [Theory]
    [InlineData(CellType.Lstm, 0f)]
    [InlineData(CellType.Gru, 0.3f)]
    public void Tied_weights_train_to_the_same_bits_for_one_and_two_threads_and_differ_from_untied(CellType cell, float dropout)
    {
        // Two threads sum the stream groups' dense embedding gradients along the tree; the overwrite of
        // the embedding gradient by each step's first backward must leave nothing of the step before.
        var tied = Spec(cell, dropout) with { TieWeights = true };
        var one = Train(tied, Options(threads: 1));
        var two = Train(tied, Options(threads: 2));

        Assert.True(TrainingTestData.BitIdentical(one, two), $"weights differ first at index {TrainingTestData.FirstBitDifference(one, two)}");
        Assert.Equal(ParameterLayout.For(tied).Size, one.Length);
        Assert.Equal(ParameterLayout.For(Spec(cell, dropout)).Size - ((long)Data.Vocabulary.Count * 16), one.Length);
    }

    [Fact]
    public void Stream_groups_in_parallel_agree_with_one_group_to_rounding()
    {
        var spec = Spec(CellType.Lstm, 0f);
        var options = Options(threads: 2, deterministic: false) with { LearningRate = 0.1f };
        var grouped = Train(spec, options with { StreamGroups = 2 });
        var single = Train(spec, options with { StreamGroups = 1 });

        Assert.True(TrainingTestData.RelativeDifference(single, grouped) < 1e-4);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Partial_sums_of_tree_nodes_add_up_to_the_bits_of_the_whole(int parts)
    {
        // What a cluster does: each worker computes the groups of one tree node, the server sums the nodes.
        var spec = Spec(CellType.Lstm, 0.3f);
        var weights = new float[ParameterLayout.For(spec).Size];
        TrainingLoop.InitialWeights(spec, 5, weights);
        var streams = new BatchStreams(Data.Train, 8);
        var groups = new StreamGroups(8, 4);
        var whole = new StreamGroupsGradient(spec, weights, streams, 0, [.. Enumerable.Range(0, 4).Select(groups.Size)], 6, threads: 2);
        whole.Compute(window: 3, step: 7, seed: 2, lossScale: 1f / 8);

        var nodes = groups.CutIntoNodes(parts);
        var partials = new List<float[]>();
        var supports = new List<GradientSupport>();
        foreach (var (first, count) in nodes)
        {
            var start = groups.First(first);
            var node = new StreamGroupsGradient(spec, weights, streams.Slice(start, groups.Streams(first, first + count)), start,
                [.. Enumerable.Range(first, count).Select(groups.Size)], 6, threads: 1);
            node.Compute(window: 3, step: 7, seed: 2, lossScale: 1f / 8);
            partials.Add((float[])node.Gradient.Clone());
            supports.Add(node.Support);
        }

        var support = TreeReduction.Sum(StreamGroups.SummationPlan(nodes), partials, supports, threads: 1);

        Assert.Equal(whole.Support.Rows, support.Rows);
        Assert.True(TrainingTestData.BitIdentical(whole.Gradient, partials[0]),
            $"gradients differ first at index {TrainingTestData.FirstBitDifference(whole.Gradient, partials[0])}");
    }

    [Fact]
    public void The_sparse_embedding_gradient_is_zeroed_between_steps()
    {
        // Two sources over the same streams: one computes windows 0 then 1, the other window 1 only.
        var spec = Spec(CellType.Gru, 0f);
        var weights = new float[ParameterLayout.For(spec).Size];
        TrainingLoop.InitialWeights(spec, 5, weights);
        var streams = new BatchStreams(Data.Train, 8);
        // Four groups: the tree adds group 3 into group 2 and then group 2 into group 0.
        var a = new StreamGroupsGradient(spec, weights, streams, 0, [2, 2, 2, 2], 6, threads: 2);
        var b = new StreamGroupsGradient(spec, weights, streams, 0, [2, 2, 2, 2], 6, threads: 2);
        a.Compute(0, 0, 1, 0.125f);
        var state = new ModelState(spec, 8);
        a.SaveState(state);
        b.LoadState(state);

        a.Compute(1, 1, 1, 0.125f);
        b.Compute(1, 1, 1, 0.125f);

        Assert.True(TrainingTestData.BitIdentical(a.Gradient, b.Gradient), $"differ at {TrainingTestData.FirstBitDifference(a.Gradient, b.Gradient)}");
    }
}
