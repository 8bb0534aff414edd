namespace RnnCluster.Cluster.Protocol;

/// <summary>How a <see cref="WireFloats"/> travels.</summary>
public enum WireEncoding : byte
{
    /// <summary>Raw float32, 4 bytes a value.</summary>
    Float32 = 0,

    /// <summary>bfloat16, 2 bytes a value (the sender rounded its values already, see <see cref="Core.Numerics.ReducedPrecision"/>).</summary>
    BFloat16 = 1,

    /// <summary>IEEE binary16, 2 bytes a value (rounded by the sender).</summary>
    Float16 = 2,

    /// <summary>Sparse: ascending indices (int32) and their float32 values, 8 bytes an entry; every other value is 0.</summary>
    Sparse = 3,
}

/// <summary>
/// A float vector of <see cref="Length"/> values in a message: dense (<see cref="Values"/> holds them
/// all; <see cref="Encoding"/> says how they are written) or sparse (<see cref="Indices"/> and their
/// <see cref="Values"/>; the rest are 0). A received dense vector is always float32 in memory, whatever
/// it travelled as. A view of floats converts to a dense float32 one, so plain messages read as before.
/// </summary>
public readonly record struct WireFloats(ReadOnlyMemory<float> Values, int Length, WireEncoding Encoding, int[]? Indices)
{
    public static readonly WireFloats Empty = new(ReadOnlyMemory<float>.Empty, 0, WireEncoding.Float32, null);

    public bool IsSparse => Indices is not null;

    /// <summary>The dense values.</summary>
    /// <exception cref="InvalidOperationException">When the vector is sparse (use <see cref="CopyTo"/>).</exception>
    public ReadOnlySpan<float> Span => IsSparse ? throw new InvalidOperationException("a sparse vector has no dense span; use CopyTo") : Values.Span;

    public static implicit operator WireFloats(ReadOnlyMemory<float> values) => Dense(values);

    public static implicit operator WireFloats(Memory<float> values) => Dense(values);

    public static implicit operator WireFloats(float[] values) => Dense(values);

    public static WireFloats Dense(ReadOnlyMemory<float> values, WireEncoding encoding = WireEncoding.Float32)
        => encoding == WireEncoding.Sparse
            ? throw new ArgumentException("a dense vector cannot travel sparse", nameof(encoding))
            : new(values, values.Length, encoding, null);

    /// <param name="length">The vector's length.</param>
    /// <param name="indices">Ascending positions in [0, length).</param>
    /// <param name="values">Their values, one per index.</param>
    public static WireFloats Sparse(int length, int[] indices, ReadOnlyMemory<float> values)
        => indices.Length != values.Length
            ? throw new ArgumentException($"{indices.Length} indices and {values.Length} values")
            : new(values, length, WireEncoding.Sparse, indices);

    /// <summary>Writes all <see cref="Length"/> values into <paramref name="destination"/> (zeros where a sparse vector has none).</summary>
    /// <exception cref="ArgumentException">When <paramref name="destination"/> is not <see cref="Length"/> long.</exception>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length != Length)
        {
            throw new ArgumentException($"vector of {Length} values copied into {destination.Length}");
        }

        if (Indices is not { } indices)
        {
            Values.Span.CopyTo(destination);
            return;
        }

        destination.Clear();
        var values = Values.Span;
        for (var i = 0; i < indices.Length; i++)
        {
            destination[indices[i]] = values[i];
        }
    }

    /// <summary>Adds the vector into <paramref name="destination"/> (of <see cref="Length"/>): destination += this.</summary>
    /// <exception cref="ArgumentException">When <paramref name="destination"/> is not <see cref="Length"/> long.</exception>
    public void AddTo(Span<float> destination)
    {
        if (destination.Length != Length)
        {
            throw new ArgumentException($"vector of {Length} values added into {destination.Length}");
        }

        if (Indices is not { } indices)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(destination, Values.Span, destination);
            return;
        }

        var values = Values.Span;
        for (var i = 0; i < indices.Length; i++)
        {
            destination[indices[i]] += values[i];
        }
    }

    public float[] ToArray()
    {
        var array = new float[Length];
        CopyTo(array);
        return array;
    }
}
