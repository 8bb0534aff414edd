using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class StreamGroupsTests
{
    [Theory]
    [InlineData(20, 4, new[] { 5, 5, 5, 5 })]
    [InlineData(10, 4, new[] { 3, 3, 2, 2 })]
    [InlineData(7, 7, new[] { 1, 1, 1, 1, 1, 1, 1 })]
    public void Groups_are_contiguous_and_cover_the_batch(int batch, int groups, int[] sizes)
    {
        var g = new StreamGroups(batch, groups);

        Assert.Equal(sizes, Enumerable.Range(0, groups).Select(g.Size));
        Assert.Equal(0, g.First(0));
        Assert.All(Enumerable.Range(1, groups - 1), i => Assert.Equal(g.First(i - 1) + g.Size(i - 1), g.First(i)));
        Assert.Equal(batch, g.Streams(0, groups));
    }

    [Theory]
    [InlineData(4, 1, "0+4")]
    [InlineData(4, 2, "0+2 2+2")]
    [InlineData(4, 3, "0+1 1+1 2+2")]
    [InlineData(4, 4, "0+1 1+1 2+1 3+1")]
    [InlineData(8, 2, "0+4 4+4")]
    [InlineData(6, 3, "0+2 2+1 3+3")]
    public void Cutting_into_nodes_splits_the_widest_node_first(int groups, int parts, string expected)
    {
        var nodes = new StreamGroups(groups, groups).CutIntoNodes(parts);

        Assert.Equal(expected, string.Join(' ', nodes.Select(n => $"{n.First}+{n.Count}")));
        Assert.NotNull(StreamGroups.SummationPlan(nodes));
    }

    [Fact]
    public void Nodes_that_are_not_tree_nodes_are_rejected()
    {
        // [0,3) is not a node of the 4-group tree (its nodes are [0,2) and [2,4)).
        var e = Assert.Throws<ArgumentException>(() => StreamGroups.SummationPlan([(0, 3), (3, 1)]));
        Assert.Contains("summation tree", e.Message);
    }

    [Fact]
    public void Bad_group_counts_name_the_flag()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new StreamGroups(4, 5));
        Assert.Contains("--stream-groups 5", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamGroups(4, 4).CutIntoNodes(5));
    }

    [Fact]
    public void Summing_partials_of_any_node_cut_gives_the_same_bits_as_summing_the_groups()
    {
        var rng = new Random(3);
        float[][] Groups() => [.. Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 1000).Select(_ => (float)(rng.NextDouble() - 0.5) * MathF.Exp(rng.Next(-8, 8))).ToArray())];
        var groups = Groups();
        var all = groups.Select(g => (float[])g.Clone()).ToArray();
        StreamGroups.AddAlongPlan(StreamGroups.SummationPlan([.. Enumerable.Range(0, 8).Select(g => (g, 1))]), all, 0, 1000, 2);
        var cut = new StreamGroups(8, 8);
        for (var parts = 1; parts <= 8; parts++)
        {
            var nodes = cut.CutIntoNodes(parts);
            var partials = nodes.Select(n =>
            {
                var local = groups.Skip(n.First).Take(n.Count).Select(g => (float[])g.Clone()).ToArray();
                StreamGroups.AddAlongPlan(StreamGroups.SummationPlan([.. Enumerable.Range(n.First, n.Count).Select(g => (g, 1))]), local, 0, 1000, 1);
                return local[0];
            }).ToArray();
            StreamGroups.AddAlongPlan(StreamGroups.SummationPlan(nodes), partials, 0, 1000, 1);

            Assert.True(TrainingTestData.BitIdentical(all[0], partials[0]), $"{parts} parts differ at {TrainingTestData.FirstBitDifference(all[0], partials[0])}");
        }
    }
}
