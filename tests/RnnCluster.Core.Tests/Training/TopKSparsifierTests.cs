using RnnCluster.Core.Numerics;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class TopKSparsifierTests
{
    private static float[] Gradient(int length, int seed)
    {
        var rng = new Rng((ulong)seed);
        return [.. Enumerable.Range(0, length).Select(_ => rng.NextFloat(-1, 1))];
    }

    [Fact]
    public void Sends_the_largest_magnitudes_in_index_order_and_keeps_the_rest_as_residual()
    {
        var sparsifier = new TopKSparsifier(12, 0.25);
        float[] gradient = [0.1f, -5f, 0.2f, 3f, -0.3f, 0.4f, 4f, 0.5f, -0.6f, 0.7f, 0.8f, -0.9f];

        var (indices, values) = sparsifier.Sparsify(gradient.AsSpan(2, 8), 2); // the segment [2, 10)

        Assert.Equal([1, 4], indices);          // 3f and 4f: relative to the segment
        Assert.Equal([3f, 4f], values);
        float[] residual = [0, 0, 0.2f, 0, -0.3f, 0.4f, 0, 0.5f, -0.6f, 0.7f, 0, 0];
        Assert.Equal(residual, sparsifier.Residual.ToArray());
    }

    [Fact]
    public void Nothing_is_lost_what_is_sent_plus_the_residual_is_every_gradient_so_far()
    {
        const int length = 1_000;
        var sparsifier = new TopKSparsifier(length, 0.01);
        var sent = new double[length];
        var total = new double[length];
        for (var step = 0; step < 50; step++)
        {
            var gradient = Gradient(length, step);
            for (var i = 0; i < length; i++)
            {
                total[i] += gradient[i];
            }

            var (indices, values) = sparsifier.Sparsify(gradient, 0);
            Assert.Equal(10, indices.Length);
            Assert.True(indices.Zip(indices.Skip(1)).All(p => p.First < p.Second), "indices ascend");
            for (var k = 0; k < indices.Length; k++)
            {
                sent[indices[k]] += values[k];
            }
        }

        var residual = sparsifier.Residual;
        for (var i = 0; i < length; i++)
        {
            Assert.InRange(Math.Abs(total[i] - (sent[i] + residual[i])), 0, 1e-4); // float32 sums
        }
    }

    [Fact]
    public void Ties_at_the_threshold_go_in_index_order()
    {
        var sparsifier = new TopKSparsifier(6, 0.5);
        var (indices, values) = sparsifier.Sparsify([1f, -2f, 1f, 2f, 1f, -1f], 0);

        Assert.Equal([0, 1, 3], indices);
        Assert.Equal([1f, -2f, 2f], values);
    }

    [Fact]
    public void The_selection_matches_a_full_sort()
    {
        var gradient = Gradient(10_007, 7);
        var sparsifier = new TopKSparsifier(gradient.Length, 0.03);
        var (indices, _) = sparsifier.Sparsify(gradient, 0);

        var expected = Enumerable.Range(0, gradient.Length).OrderByDescending(i => Math.Abs(gradient[i])).ThenBy(i => i)
            .Take(sparsifier.KeptOf(gradient.Length)).Order();
        Assert.Equal(expected, indices);
    }

    [Fact]
    public void Restoring_a_saved_residual_redoes_a_step_without_counting_it_twice()
    {
        var sparsifier = new TopKSparsifier(100, 0.1);
        sparsifier.Sparsify(Gradient(100, 1), 0);
        var saved = sparsifier.Residual.ToArray();
        var first = sparsifier.Sparsify(Gradient(100, 2), 0);

        sparsifier.Restore(saved);
        var again = sparsifier.Sparsify(Gradient(100, 2), 0);

        Assert.Equal(first.Indices, again.Indices);
        Assert.Equal(first.Values, again.Values);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void The_fraction_must_be_in_zero_to_one(double ratio)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new TopKSparsifier(10, ratio));
}

public class WireCompressionTests
{
    [Theory]
    [InlineData("none", CompressionKind.None, 1)]
    [InlineData("bf16", CompressionKind.BFloat16, 1)]
    [InlineData("FP16", CompressionKind.Float16, 1)]
    [InlineData("topk:0.01", CompressionKind.TopK, 0.01)]
    [InlineData("topk:1%", CompressionKind.TopK, 0.01)]
    [InlineData("topk:1", CompressionKind.TopK, 1)]
    public void Parses_every_form(string text, CompressionKind kind, double ratio)
    {
        var parsed = WireCompression.Parse(text);
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(ratio, parsed.Ratio, 12);
        Assert.Equal(parsed, WireCompression.Parse(parsed.ToString()));
    }

    [Theory]
    [InlineData("int8", "expected none, bf16, fp16 or topk:R")]
    [InlineData("", "expected none, bf16, fp16 or topk:R")]
    [InlineData("topk:0", "must be in (0, 1]")]
    [InlineData("topk:2", "must be in (0, 1]")]
    [InlineData("topk:", "'' is not a number")]
    [InlineData("topk:abc", "'abc' is not a number")]
    [InlineData("topk:x%", "'x%' is not a number")]
    [InlineData("topk:NaN", "must be in (0, 1]")]
    public void Refuses_anything_else_naming_the_flag(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => WireCompression.Parse(text));
        Assert.StartsWith("--compress ", e.Message);
        Assert.Contains(message, e.Message);
    }
}
