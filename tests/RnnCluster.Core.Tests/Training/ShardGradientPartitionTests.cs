using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Training;

/// <summary>
/// The contract of DESIGN §5 that sync training on a cluster relies on: the gradient of B streams is
/// the sum of the gradients of any contiguous partition of them, each computed by its own
/// <see cref="ShardGradient"/> with the global loss scale 1/B and its global stream offset.
/// </summary>
public class ShardGradientPartitionTests(ITestOutputHelper output)
{
    private const int Batch = 8;
    private const int Bptt = 6;
    private const ulong Seed = 17;
    private const double GradientTolerance = 1e-4;

    private static readonly int[] Ids = TrainingTestData.RandomIds(Batch * 40, 23, seed: 3);

    public static TheoryData<CellType, float, int[]> Partitions()
    {
        var data = new TheoryData<CellType, float, int[]>();
        foreach (var cell in new[] { CellType.Rnn, CellType.Lstm, CellType.Gru })
        {
            foreach (var dropout in new[] { 0f, 0.3f })
            {
                data.Add(cell, dropout, [3, 5]);
                data.Add(cell, dropout, [2, 3, 3]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Partitions))]
    public void Gradient_of_all_streams_equals_the_sum_of_contiguous_shard_gradients(CellType cell, float dropout, int[] sizes)
    {
        var spec = Spec(cell, dropout);
        var full = Full(spec);
        var shards = Shards(spec, full.Model.Weights, full.Streams, sizes);
        var sum = new float[full.Model.Layout.Size];
        Assert.All(shards, s => Assert.Equal(full.WindowCount, s.WindowCount));
        Assert.True(full.Streams.WindowSteps(full.WindowCount - 1, Bptt) < Bptt, "the last window should be a short one");

        for (var w = 0; w < full.WindowCount; w++)
        {
            var step = 100 + w;
            var (fullLoss, fullTokens) = full.Compute(w, step, Seed, 1f / Batch);
            Array.Clear(sum);
            double shardLoss = 0;
            var shardTokens = 0;
            foreach (var shard in shards)
            {
                var (loss, tokens) = shard.Compute(w, step, Seed, 1f / Batch);
                shardLoss += loss;
                shardTokens += tokens;
                for (var i = 0; i < sum.Length; i++)
                {
                    sum[i] += shard.Model.Gradients[i];
                }
            }

            var rel = TrainingTestData.RelativeDifference(full.Model.Gradients, sum);
            output.WriteLine($"window {w}: loss {fullLoss:F6} vs {shardLoss:F6}, gradient rel diff {rel:E2}");
            Assert.Equal(fullTokens, shardTokens);
            Assert.Equal(fullLoss, shardLoss, fullLoss * 1e-5);
            Assert.True(rel < GradientTolerance, $"window {w}: ‖full − Σ shards‖ / ‖full‖ = {rel:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Partitions))]
    public void Each_shard_carries_the_hidden_state_rows_of_its_streams(CellType cell, float dropout, int[] sizes)
    {
        var spec = Spec(cell, dropout);
        var full = Full(spec);
        var shards = Shards(spec, full.Model.Weights, full.Streams, sizes);

        for (var w = 0; w < 4; w++)
        {
            full.Compute(w, w, Seed, 1f / Batch);
            foreach (var shard in shards)
            {
                shard.Compute(w, w, Seed, 1f / Batch);
            }
        }

        var h = spec.Hidden;
        foreach (var shard in shards)
        {
            var rows = shard.GlobalStreamOffset * h;
            var count = shard.Streams.Batch * h;
            for (var l = 0; l < spec.Layers; l++)
            {
                var fullH = full.State.H[l].AsSpan(rows, count);
                Assert.True(TrainingTestData.MaxAbsoluteDifference(fullH, shard.State.H[l]) < 1e-5,
                    $"layer {l} h of streams from {shard.GlobalStreamOffset}");
                Assert.True(TrainingTestData.MaxAbsoluteDifference(fullH, new float[count]) > 1e-3, "the state is trivially zero");
                if (cell == CellType.Lstm)
                {
                    Assert.True(TrainingTestData.MaxAbsoluteDifference(full.State.C[l].AsSpan(rows, count), shard.State.C[l]) < 1e-5,
                        $"layer {l} c of streams from {shard.GlobalStreamOffset}");
                }
            }
        }
    }

    [Fact]
    public void A_shard_with_the_wrong_global_offset_draws_other_dropout_masks()
    {
        // The negative control of the partition test: with dropout the offset is what makes it hold.
        var spec = Spec(CellType.Lstm, 0.3f);
        var full = Full(spec);
        int[] sizes = [3, 5];
        var right = Shards(spec, full.Model.Weights, full.Streams, sizes);
        var wrong = Shards(spec, full.Model.Weights, full.Streams, sizes, offsetShift: 1);

        var rightSum = new float[full.Model.Layout.Size];
        var wrongSum = new float[full.Model.Layout.Size];
        full.Compute(0, 0, Seed, 1f / Batch);
        for (var s = 0; s < sizes.Length; s++)
        {
            right[s].Compute(0, 0, Seed, 1f / Batch);
            wrong[s].Compute(0, 0, Seed, 1f / Batch);
            for (var i = 0; i < rightSum.Length; i++)
            {
                rightSum[i] += right[s].Model.Gradients[i];
                wrongSum[i] += wrong[s].Model.Gradients[i];
            }
        }

        Assert.True(TrainingTestData.RelativeDifference(full.Model.Gradients, rightSum) < GradientTolerance);
        Assert.True(TrainingTestData.RelativeDifference(full.Model.Gradients, wrongSum) > 1e-2);
    }

    private static ModelSpec Spec(CellType cell, float dropout)
        => new(cell, VocabSize: 23, Layers: 2, Hidden: 10, Dropout: dropout, InitScale: 0.3f);

    private static ShardGradient Full(ModelSpec spec)
    {
        var model = TrainingTestData.InitializedModel(spec, Batch, Bptt, Seed);
        return new ShardGradient(model, new BatchStreams(Ids, Batch), 0, Bptt);
    }

    private static List<ShardGradient> Shards(ModelSpec spec, float[] weights, BatchStreams all, int[] sizes, int offsetShift = 0)
    {
        Assert.Equal(all.Batch, sizes.Sum());
        var shards = new List<ShardGradient>();
        var offset = 0;
        foreach (var size in sizes)
        {
            var streams = Enumerable.Range(offset, size).Select(b => all.Stream(b).ToArray()).ToArray();
            var model = new LanguageModel(spec, size, Bptt, (float[])weights.Clone());
            shards.Add(new ShardGradient(model, BatchStreams.FromStreams(streams), offset + offsetShift, Bptt));
            offset += size;
        }

        return shards;
    }
}
