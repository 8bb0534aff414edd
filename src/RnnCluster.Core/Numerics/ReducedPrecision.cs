using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace RnnCluster.Core.Numerics;

/// <summary>
/// 16-bit floating-point formats for tensors on the wire. bfloat16 is a float32's upper half (8 exponent
/// bits, 7 mantissa bits: the same range, a relative rounding error of at most 2⁻⁸), rounded to nearest
/// even; IEEE-754 binary16 (<see cref="Half"/>, 5 exponent bits, 10 mantissa bits: relative error at
/// most 2⁻¹¹, magnitudes above 65504 become ∞, below 6.1·10⁻⁵ lose precision). The rounding methods
/// leave values the packed form holds exactly, so round-then-pack-then-unpack gives the rounded floats
/// back bit for bit: a sender rounds its own copy, and what it keeps equals what the receiver decodes.
/// </summary>
public static class ReducedPrecision
{
    private const int Chunk = 1024;

    /// <summary>Rounds every value to the nearest bfloat16 (ties to even) in place; NaN stays NaN, ±∞ stay.</summary>
    public static void RoundToBFloat16(Span<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var bias = new Vector<uint>(0x7FFF);
            var one = Vector<uint>.One;
            var high = new Vector<uint>(0xFFFF0000);
            var exponent = new Vector<uint>(0x7F800000);
            for (; i <= bits.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                var v = new Vector<uint>(bits.Slice(i));
                var rounded = (v + bias + ((v >> 16) & one)) & high;
                // NaN (all exponent bits set, mantissa non-zero) and ±∞ keep their upper half unrounded.
                var special = Vector.Equals(v & exponent, exponent);
                Vector.ConditionalSelect(special, v & high | (Vector.GreaterThan(v & new Vector<uint>(0x007FFFFF), Vector<uint>.Zero) & new Vector<uint>(0x00400000)), rounded)
                    .CopyTo(bits.Slice(i));
            }
        }

        for (; i < bits.Length; i++)
        {
            bits[i] = RoundBits(bits[i]);
        }
    }

    /// <summary>The upper halves of <paramref name="values"/> rounded to bfloat16 (see <see cref="RoundToBFloat16"/>) into <paramref name="packed"/> (same length).</summary>
    /// <exception cref="ArgumentException">When the lengths differ.</exception>
    public static void PackBFloat16(ReadOnlySpan<float> values, Span<ushort> packed)
    {
        RequireSameLength(values.Length, packed.Length);
        var bits = MemoryMarshal.Cast<float, uint>(values);
        for (var i = 0; i < bits.Length; i++)
        {
            packed[i] = (ushort)(RoundBits(bits[i]) >> 16);
        }
    }

    /// <summary>bfloat16 values widened to float32 (exact).</summary>
    /// <exception cref="ArgumentException">When the lengths differ.</exception>
    public static void UnpackBFloat16(ReadOnlySpan<ushort> packed, Span<float> values)
    {
        RequireSameLength(values.Length, packed.Length);
        var bits = MemoryMarshal.Cast<float, uint>(values);
        for (var i = 0; i < packed.Length; i++)
        {
            bits[i] = (uint)packed[i] << 16;
        }
    }

    /// <summary>Rounds every value to the nearest binary16 (<see cref="Half"/>) in place; beyond ±65504 values become ±∞.</summary>
    public static void RoundToHalf(Span<float> values)
    {
        Span<Half> buffer = stackalloc Half[Chunk];
        for (var i = 0; i < values.Length; i += Chunk)
        {
            var part = values.Slice(i, Math.Min(Chunk, values.Length - i));
            var halves = buffer[..part.Length];
            TensorPrimitives.ConvertToHalf(part, halves);
            TensorPrimitives.ConvertToSingle(halves, part);
        }
    }

    /// <summary><paramref name="values"/> rounded to binary16 into <paramref name="packed"/> (same length).</summary>
    /// <exception cref="ArgumentException">When the lengths differ.</exception>
    public static void PackHalf(ReadOnlySpan<float> values, Span<ushort> packed)
    {
        RequireSameLength(values.Length, packed.Length);
        TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<ushort, Half>(packed));
    }

    /// <summary>binary16 values widened to float32 (exact).</summary>
    /// <exception cref="ArgumentException">When the lengths differ.</exception>
    public static void UnpackHalf(ReadOnlySpan<ushort> packed, Span<float> values)
    {
        RequireSameLength(values.Length, packed.Length);
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(packed), values);
    }

    /// <summary>A float32's bits rounded to bfloat16 (lower half zero): ties to even; NaN kept quiet, ±∞ kept.</summary>
    private static uint RoundBits(uint bits)
    {
        if ((bits & 0x7F800000) == 0x7F800000)
        {
            return (bits & 0xFFFF0000) | ((bits & 0x007FFFFF) != 0 ? 0x00400000u : 0);
        }

        return (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000;
    }

    private static void RequireSameLength(int values, int packed)
    {
        if (values != packed)
        {
            throw new ArgumentException($"{values} floats and {packed} packed values: the lengths must match");
        }
    }
}
