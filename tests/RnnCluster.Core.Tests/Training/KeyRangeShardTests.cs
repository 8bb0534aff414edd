using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class KeyRangeShardTests
{
    private const int H = 8;
    private const int Rows = 50;
    private const int Embedding = Rows * H;
    private static readonly int Size = Embedding + (3 * GradientSupport.NormBlock) + 12_345;

    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(2, 2, false)]
    [InlineData(3, 2, false)]
    [InlineData(4, 3, false)]
    [InlineData(7, 3, false)]
    [InlineData(1, 1, true)]
    [InlineData(2, 2, true)]
    [InlineData(4, 3, true)]
    [InlineData(7, 3, true)]
    public void Sharded_steps_give_the_bits_of_the_whole_vector_update(int shards, int nodes, bool outputLayerFirst)
    {
        // Sent in two parts, the "output layer" (the last two thirds of the dense part here: some
        // ranges hold none of it, some part, some only it) goes first, as a worker's overlapped backward sends it.
        var outputLayerOffset = Embedding + ((Size - Embedding) / 3);
        var rng = new Random(11);
        var initial = Enumerable.Range(0, Size).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var expected = (float[])initial.Clone();
        var plan = StreamGroups.SummationPlan(new StreamGroups(nodes * 2, nodes * 2).CutIntoNodes(nodes));
        var ranges = KeyRange.Cut(Embedding, H, Size, shards);
        var servers = ranges.Select(r =>
        {
            var local = new float[r.LocalLength];
            r.CopyOut(initial, local);
            return new KeyRangeShard(r, local, nodes, plan);
        }).ToList();

        for (var step = 0; step < 3; step++)
        {
            var (partials, supports) = Partials(rng, nodes);

            // The whole vector, as train and the central parameter server do it.
            var whole = partials.Select(p => (float[])p.Clone()).ToList();
            var support = TreeReduction.Sum(plan, whole, supports, threads: 2);
            var norm = ParameterUpdate.Apply(expected, whole[0], new SgdOptimizer(), 0.7f, clip: 5f, support);
            Assert.True(norm > 5, "the test should clip");

            // The key ranges.
            foreach (var server in servers)
            {
                var r = server.Range;
                for (var n = 0; n < nodes; n++)
                {
                    var localRows = r.LocalRows(supports[n].Rows);
                    var values = localRows.SelectMany(id => partials[n].AsSpan((r.FirstRow + id) * H, H).ToArray()).ToArray();
                    var split = outputLayerFirst ? r.OutputLayerSplit(outputLayerOffset) : r.DenseLength;
                    var parts = split < r.DenseLength ? 2 : 1;
                    if (parts == 2)
                    {
                        server.AcceptPart(n, split, partials[n].AsSpan(r.DenseStart + split, r.DenseLength - split), null, [], parts);
                        Assert.False(server.Complete && n == nodes - 1, "a node whose rows part is missing is not in");
                    }

                    server.AcceptPart(n, 0, partials[n].AsSpan(r.DenseStart, split), localRows, values, parts);
                }
            }

            var squares = servers.Select(s => s.Reduce()).ToList();
            var shardedNorm = Math.Sqrt(KeyRangeShard.CombineSquares(squares));
            Assert.Equal(norm, shardedNorm);
            foreach (var server in servers)
            {
                server.Apply(ParameterUpdate.ClipFactor(shardedNorm, 5f), 0.7f);
            }
        }

        var sharded = new float[Size];
        foreach (var server in servers)
        {
            server.Range.CopyIn(server.Weights, Enumerable.Range(0, server.Range.RowCount).ToArray(), sharded);
        }

        Assert.True(TrainingTestData.BitIdentical(expected, sharded),
            $"weights differ first at index {TrainingTestData.FirstBitDifference(expected, sharded)}");
    }

    [Fact]
    public void Ranges_cover_the_vector_once_and_start_on_norm_blocks()
    {
        var ranges = KeyRange.Cut(Embedding, H, Size, 3);
        Assert.Equal(Rows, ranges.Sum(r => r.RowCount));
        Assert.Equal(Size - Embedding, ranges.Sum(r => r.DenseLength));
        for (var k = 0; k < ranges.Count; k++)
        {
            Assert.Equal(0, (ranges[k].DenseStart - Embedding) % GradientSupport.NormBlock);
            if (k > 0)
            {
                Assert.Equal(ranges[k - 1].FirstRow + ranges[k - 1].RowCount, ranges[k].FirstRow);
                Assert.Equal(ranges[k - 1].DenseStart + ranges[k - 1].DenseLength, ranges[k].DenseStart);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => KeyRange.Cut(Embedding, H, Size, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyRange.Cut(Embedding + 1, H, Size, 2));
    }

    [Fact]
    public void A_partial_or_its_parts_that_do_not_fit_the_range_are_refused()
    {
        var range = KeyRange.Cut(Embedding, H, Size, 2)[1];
        var shard = new KeyRangeShard(range, new float[range.LocalLength], 1, []);
        Assert.Throws<ArgumentException>(() => shard.Accept(0, new float[range.DenseLength - 1], [], []));
        Assert.Throws<ArgumentException>(() => shard.Accept(0, new float[range.DenseLength], [range.RowCount], new float[H]));
        Assert.Throws<InvalidOperationException>(() => shard.Reduce());

        // The rows part starts the dense slice, the other ends it; together they cover it once.
        var half = range.DenseLength / 2;
        Assert.Throws<ArgumentException>(() => shard.AcceptPart(0, half, new float[range.DenseLength - half], [], [], 2));
        Assert.Throws<ArgumentException>(() => shard.AcceptPart(0, 0, new float[half], null, [], 2));
        Assert.Throws<ArgumentException>(() => shard.AcceptPart(0, 0, new float[half], [], [], 3));
        shard.AcceptPart(0, half, new float[range.DenseLength - half], null, [], 2);
        Assert.Throws<ArgumentException>(() => shard.AcceptPart(0, half, new float[range.DenseLength - half], null, [], 2));
        Assert.False(shard.Complete);
        shard.AcceptPart(0, half, new float[range.DenseLength - half], null, [], 2);
        shard.AcceptPart(0, 0, new float[half], [], [], 2);
        Assert.True(shard.Complete);
    }

    /// <summary>Per node: a full-layout gradient, dense everywhere and non-zero on a few random rows.</summary>
    private static (List<float[]> Partials, List<GradientSupport> Supports) Partials(Random rng, int nodes)
    {
        var partials = new List<float[]>();
        var supports = new List<GradientSupport>();
        for (var n = 0; n < nodes; n++)
        {
            var g = new float[Size];
            for (var i = Embedding; i < Size; i++)
            {
                g[i] = (float)(rng.NextDouble() - 0.5) * 0.1f;
            }

            var rows = Enumerable.Range(0, 6).Select(_ => rng.Next(Rows)).Distinct().Order().ToArray();
            foreach (var id in rows)
            {
                for (var j = 0; j < H; j++)
                {
                    g[(id * H) + j] = (float)(rng.NextDouble() - 0.5);
                }
            }

            partials.Add(g);
            supports.Add(new GradientSupport(Embedding, H, rows));
        }

        return (partials, supports);
    }
}
