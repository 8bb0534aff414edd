using System.Numerics.Tensors;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The weights exactly as the workers hold them when weight updates travel in 16 bits
/// (<c>--compress bf16|fp16</c>, a central parameter server). Rounding the weights themselves would
/// lose every update smaller than their last bit, so each update sends the rounded difference
/// q = round(W − M) between the server's float32 weights W and this mirror M, and both sides add it:
/// M ← M + q, computed the same way, so every replica equals M bit for bit. What rounding leaves out
/// stays in W − M and goes with the next update (the error feedback of the weights). A worker that
/// joins or falls behind gets M whole, in float32.
/// </summary>
internal sealed class WeightMirror(int size, int embeddingLength, int hidden, CompressionKind kind)
{
    private readonly float[] _values = new float[size];                       // (size): M
    private readonly float[] _denseDelta = new float[size - embeddingLength];  // (size − V·H): q after the embedding
    private readonly float[] _rowDelta = new float[embeddingLength];           // (rows·H): q of the rows sent
    private int[] _rows = [];
    private int[]? _allRows;

    /// <summary>The version M is at; null: none yet.</summary>
    public long? Version { get; private set; }

    /// <summary>True when <see cref="Delta"/> brings version <see cref="Version"/> − 1 to <see cref="Version"/>.</summary>
    public bool HasDelta { get; private set; }

    /// <summary>M := <paramref name="weights"/> at <paramref name="version"/> (everyone gets it whole).</summary>
    public void Reset(float[] weights, long version)
    {
        weights.CopyTo(_values, 0);
        Version = version;
        HasDelta = false;
    }

    /// <summary>
    /// Moves M from version − 1 to <paramref name="version"/>: q for every value after the embedding and
    /// for the embedding rows <paramref name="rows"/> (null: every row; with SGD only the rows the step
    /// touched changed).
    /// </summary>
    /// <exception cref="InvalidOperationException">When M is not at version − 1.</exception>
    public void Advance(float[] weights, long version, int[]? rows)
    {
        if (Version != version - 1)
        {
            throw new InvalidOperationException($"the weight mirror is at version {Version}, not {version - 1}");
        }

        Quantize(weights.AsSpan(embeddingLength), _values.AsSpan(embeddingLength), _denseDelta);
        _rows = rows ?? (_allRows ??= [.. Enumerable.Range(0, embeddingLength / hidden)]);
        for (var i = 0; i < _rows.Length; i++)
        {
            var start = _rows[i] * hidden;
            Quantize(weights.AsSpan(start, hidden), _values.AsSpan(start, hidden), _rowDelta.AsSpan(i * hidden, hidden));
        }

        Version = version;
        HasDelta = true;
    }

    /// <summary>The additive patch from version − 1 (views: serialize before the next <see cref="Advance"/>).</summary>
    public WeightPatch Delta()
    {
        var encoding = GradientCompressor.Encoding(kind);
        return new WeightPatch(false, WireFloats.Dense(_denseDelta, encoding), _rows,
            WireFloats.Dense(_rowDelta.AsMemory(0, _rows.Length * hidden), encoding), Additive: true);
    }

    /// <summary>M whole, float32 (a view).</summary>
    public WeightPatch Full() => new(true, _values, [], ReadOnlyMemory<float>.Empty);

    /// <summary>q = round(target − mirror) into <paramref name="delta"/>, then mirror += q.</summary>
    private void Quantize(ReadOnlySpan<float> target, Span<float> mirror, Span<float> delta)
    {
        GradientCompressor.RoundedDifference(target, mirror, delta, kind);
        TensorPrimitives.Add(mirror, delta, mirror);
    }
}
