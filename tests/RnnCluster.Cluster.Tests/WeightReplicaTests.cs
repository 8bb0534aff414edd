using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Tests;

public sealed class WeightReplicaTests
{
    private const int H = 2;
    private const int Embedding = 4 * H; // rows 0..3, then 6 dense floats: range 0 = [8, 11), range 1 = [11, 14)

    [Fact]
    public void Should_reach_the_next_version_once_every_range_is_in_and_roll_back_from_any_point()
    {
        var replica = Start();
        var before = (float[])replica.Weights.Clone();

        Assert.False(replica.ApplySlice(Slice(range: 1, version: 6, denseStart: 11, rows: [3], fill: 9f)));
        Assert.True(replica.Partial);
        Assert.Equal(5, replica.Version);
        Assert.True(replica.RollBack(5));
        Assert.Equal(before, replica.Weights);
        Assert.False(replica.Partial);

        Assert.False(replica.ApplySlice(Slice(range: 0, version: 6, denseStart: Embedding, rows: [0, 1], fill: 7f)));
        Assert.True(replica.ApplySlice(Slice(range: 1, version: 6, denseStart: 11, rows: [3], fill: 9f)));
        Assert.Equal(6, replica.Version);
        Assert.Equal([7f, 7f, 7f, 7f, before[4], before[5], 9f, 9f, 7f, 7f, 7f, 9f, 9f, 9f], replica.Weights);

        Assert.True(replica.RollBack(5)); // the step that made version 6 was abandoned
        Assert.Equal(before, replica.Weights);
        Assert.Equal(5, replica.Version);
    }

    [Fact]
    public void Should_ignore_a_slice_that_does_not_follow_the_version_held_or_repeats_a_range()
    {
        var replica = Start();
        Assert.False(replica.ApplySlice(Slice(range: 0, version: 7, denseStart: Embedding, rows: [], fill: 1f)));
        Assert.False(replica.Partial);
        Assert.False(replica.ApplySlice(Slice(range: 0, version: 6, denseStart: Embedding, rows: [], fill: 1f)));
        Assert.False(replica.ApplySlice(Slice(range: 0, version: 6, denseStart: Embedding, rows: [], fill: 2f)));
        Assert.Equal(1f, replica.Weights[Embedding]);
        Assert.False(replica.RollBack(4)); // not the version the slices started from
    }

    [Fact]
    public void Should_roll_back_the_dense_part_when_a_range_without_one_arrived_first()
    {
        // A model smaller than one norm block puts every dense float in one key range; the other range
        // reports an empty dense part at the same start. Arriving first, it used to claim that start, so
        // the dense values were overwritten without a backup and a rollback kept the abandoned step's.
        var replica = Start();
        var before = (float[])replica.Weights.Clone();
        var emptyDense = new WeightSlice("job", 1, 6, 1, 2, Embedding, ReadOnlyMemory<float>.Empty, [3], Enumerable.Repeat(9f, H).ToArray());
        var allDense = new WeightSlice("job", 1, 6, 0, 2, Embedding, Enumerable.Repeat(7f, 6).ToArray(), [0], Enumerable.Repeat(7f, H).ToArray());

        Assert.False(replica.ApplySlice(emptyDense));
        Assert.True(replica.ApplySlice(allDense));
        Assert.Equal(7f, replica.Weights[Embedding + 5]);

        Assert.True(replica.RollBack(5));
        Assert.Equal(before, replica.Weights);
    }

    [Fact]
    public void Should_apply_a_delta_from_the_version_it_names_and_refuse_one_from_another()
    {
        var replica = Start(); // version 5
        var dense = Enumerable.Repeat(1f, 6).ToArray();
        float[] rows = [.. Enumerable.Repeat(2f, 2 * H)];

        Assert.False(replica.Apply(new WeightUpdate("job", 9, new WeightPatch(false, dense, [0, 2], rows, From: 4))));
        Assert.True(replica.Stale);

        replica = Start();
        Assert.True(replica.Apply(new WeightUpdate("job", 9, new WeightPatch(false, dense, [0, 2], rows, From: 5))));
        Assert.Equal(9, replica.Version);
        Assert.Equal([2f, 2f, 2f, 3f, 2f, 2f, 6f, 7f, 1f, 1f, 1f, 1f, 1f, 1f], replica.Weights);
        // A 16-bit difference only ever follows the version right before it.
        Assert.False(replica.Apply(new WeightUpdate("job", 11, new WeightPatch(false, dense, [], ReadOnlyMemory<float>.Empty, Additive: true, From: 9))));
    }

    private static WeightReplica Start()
    {
        var replica = new WeightReplica("job");
        var full = Enumerable.Range(0, Embedding + 6).Select(i => (float)i).ToArray();
        Assert.True(replica.Apply(new WeightUpdate("job", 5, new WeightPatch(true, full, [], ReadOnlyMemory<float>.Empty))));
        return replica;
    }

    private static WeightSlice Slice(int range, long version, int denseStart, int[] rows, float fill)
        => new("job", 1, version, range, 2, denseStart, Enumerable.Repeat(fill, 3).ToArray(), rows, Enumerable.Repeat(fill, rows.Length * H).ToArray());
}
