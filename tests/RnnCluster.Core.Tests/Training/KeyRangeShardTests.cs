using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class KeyRangeShardTests
{
    private const int H = 8;
    private const int Rows = 50;
    private const int Embedding = Rows * H;
    private static readonly int Size = Embedding + (3 * GradientSupport.NormBlock) + 12_345;

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(7, 3)]
    public void Sharded_steps_give_the_bits_of_the_whole_vector_update(int shards, int nodes)
    {
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
                    server.Accept(n, partials[n].AsSpan(r.DenseStart, r.DenseLength), localRows, values);
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
    public void A_partial_that_does_not_fit_its_range_is_refused()
    {
        var range = KeyRange.Cut(Embedding, H, Size, 2)[1];
        var shard = new KeyRangeShard(range, new float[range.LocalLength], 1, []);
        Assert.Throws<ArgumentException>(() => shard.Accept(0, new float[range.DenseLength - 1], [], []));
        Assert.Throws<ArgumentException>(() => shard.Accept(0, new float[range.DenseLength], [range.RowCount], new float[H]));
        Assert.Throws<InvalidOperationException>(() => shard.Reduce());
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
