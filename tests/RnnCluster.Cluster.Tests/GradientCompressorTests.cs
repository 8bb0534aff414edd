using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

public sealed class GradientCompressorTests
{
    [Fact]
    public void Fp16_saturates_instead_of_overflowing_to_infinity()
    {
        float[] values = [1e6f, -1e6f, float.NaN, 1.5f];
        GradientCompressor.Round(values, CompressionKind.Float16);
        Assert.Equal(GradientCompressor.MaxHalf, values[0]);
        Assert.Equal(-GradientCompressor.MaxHalf, values[1]);
        Assert.True(float.IsNaN(values[2]));
        Assert.Equal(1.5f, values[3]);
    }

    [Fact]
    public void A_step_computed_again_sends_what_its_first_attempt_sent()
    {
        var compressor = new GradientCompressor(WireCompression.Parse("topk:0.25"), 8);
        float[] first = [0, 0, 1, -4, 2, 0.5f, 3, 0];
        compressor.BeginStep("job", 0);
        compressor.Pack((float[])first.Clone(), 0, 8);

        float[] second = [0, 0, 0.5f, 0.5f, -3, 1, 1, 0];
        compressor.BeginStep("job", 1);
        var attempt = compressor.Pack((float[])second.Clone(), 0, 8);
        compressor.BeginStep("job", 1); // step 1 abandoned and redone
        var redo = compressor.Pack((float[])second.Clone(), 0, 8);

        Assert.True(attempt.IsSparse);
        Assert.Equal(attempt.Indices, redo.Indices);
        Assert.Equal(attempt.ToArray(), redo.ToArray());
    }

    [Fact]
    public void Bf16_packs_dense_values_rounded_in_place_to_travel_in_16_bits()
    {
        var compressor = new GradientCompressor(WireCompression.Parse("bf16"), 4);
        float[] gradient = [1.00390625f, 2f, 3f, 1.01171875f]; // 1 + 2⁻⁸ (a tie, rounds to 1), 1 + 3·2⁻⁸ (rounds up)

        var packed = compressor.Pack(gradient, 0, 4);

        Assert.Equal(WireEncoding.BFloat16, packed.Encoding);
        Assert.Equal([1f, 2f, 3f, 1.015625f], gradient);
    }
}
