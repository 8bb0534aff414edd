namespace RnnCluster.Core.Numerics;

/// <summary>
/// Deterministic xoshiro256** generator seeded through SplitMix64: the same seed gives the same
/// stream on every platform and .NET version (unlike <see cref="Random"/>'s unspecified algorithm).
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    public Rng(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public float NextFloat(float low, float high) => (float)(low + ((high - low) * NextDouble()));

    public int NextInt(int exclusiveMax) => (int)(NextDouble() * exclusiveMax);

    /// <summary>A stateless hash of a key: a counter-based random number for dropout masks.</summary>
    public static ulong Hash(ulong a, ulong b, ulong c, ulong d)
    {
        var x = a;
        var h = SplitMix(ref x);
        x = h ^ b;
        h = SplitMix(ref x);
        x = h ^ c;
        h = SplitMix(ref x);
        x = h ^ d;
        return SplitMix(ref x);
    }

    public static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
