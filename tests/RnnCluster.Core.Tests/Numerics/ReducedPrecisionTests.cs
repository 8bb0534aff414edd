using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Tests.Numerics;

public class ReducedPrecisionTests
{
    private delegate void Rounding(Span<float> values);

    private delegate void Packing(ReadOnlySpan<float> values, Span<ushort> packed);

    private delegate void Unpacking(ReadOnlySpan<ushort> packed, Span<float> values);

    /// <summary>
    /// Rounds a copy of <paramref name="values"/> and packs and unpacks them; asserts each rounding is
    /// within half an ulp of <paramref name="bits"/> significant bits and that unpacking gives the rounded
    /// bits back. Returns the rounded values.
    /// </summary>
    private static float[] AssertRoundTrip(float[] values, int bits, Rounding round, Packing pack, Unpacking unpack)
    {
        var rounded = values.ToArray();
        round(rounded);
        var packed = new ushort[values.Length];
        pack(values, packed);
        var back = new float[values.Length];
        unpack(packed, back);

        for (var i = 0; i < values.Length; i++)
        {
            Assert.InRange(Math.Abs(rounded[i] - values[i]), 0, Math.Abs(values[i]) * Math.Pow(2, -bits));
            Assert.Equal(BitConverter.SingleToUInt32Bits(rounded[i]), BitConverter.SingleToUInt32Bits(back[i]));
        }

        return rounded;
    }

    private static float[] Samples(int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            // Magnitudes from 1e-30 to 1e30, both signs.
            var exponent = (rng.NextDouble() * 60) - 30;
            values[i] = (float)((rng.NextDouble() < 0.5 ? -1 : 1) * Math.Pow(10, exponent));
        }

        return values;
    }

    [Fact]
    public void Bfloat16_rounding_is_within_half_an_ulp_of_8_bits_and_round_trips_exactly()
    {
        var rounded = AssertRoundTrip(Samples(10_001, 1), 8, ReducedPrecision.RoundToBFloat16, ReducedPrecision.PackBFloat16, ReducedPrecision.UnpackBFloat16);
        Assert.All(rounded, r => Assert.Equal(0u, BitConverter.SingleToUInt32Bits(r) & 0xFFFF)); // odd count: the vector loop's scalar tail ran too
    }

    [Theory]
    [InlineData(0x3F808000u, 0x3F800000u)] // tie, even below: down
    [InlineData(0x3F818000u, 0x3F820000u)] // tie, odd below: up to even
    [InlineData(0x3F808001u, 0x3F810000u)] // above the tie: up
    [InlineData(0x7F7FFFFFu, 0x7F800000u)] // the largest float rounds to +inf
    [InlineData(0xFF800000u, 0xFF800000u)] // -inf stays
    [InlineData(0x80000000u, 0x80000000u)] // -0 stays
    public void Bfloat16_rounds_ties_to_even_and_keeps_specials(uint input, uint expected)
    {
        float[] values = [.. Enumerable.Repeat(BitConverter.UInt32BitsToSingle(input), 17)];
        ReducedPrecision.RoundToBFloat16(values);
        Assert.All(values, v => Assert.Equal(expected, BitConverter.SingleToUInt32Bits(v)));
    }

    [Fact]
    public void Bfloat16_keeps_a_nan_whose_payload_is_only_in_the_low_half()
    {
        float[] values = [.. Enumerable.Repeat(BitConverter.UInt32BitsToSingle(0x7F800001u), 9)];
        ReducedPrecision.RoundToBFloat16(values);
        Assert.All(values, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Half_rounding_is_within_half_an_ulp_of_11_bits_in_its_normal_range_and_round_trips_exactly()
        => AssertRoundTrip([.. Samples(5_000, 2).Select(v => v % 60_000f).Where(v => Math.Abs(v) > 1e-4f)], 11,
            ReducedPrecision.RoundToHalf, ReducedPrecision.PackHalf, ReducedPrecision.UnpackHalf);

    [Fact]
    public void Half_overflows_to_infinity_beyond_its_range()
    {
        float[] values = [70_000f, -1e6f];
        ReducedPrecision.RoundToHalf(values);
        Assert.Equal([float.PositiveInfinity, float.NegativeInfinity], values);
    }

    [Fact]
    public void Packing_needs_equal_lengths()
        => Assert.Throws<ArgumentException>(() => ReducedPrecision.PackBFloat16(new float[3], new ushort[2]));
}
