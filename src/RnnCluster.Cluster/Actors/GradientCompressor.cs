using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A worker's side of <c>--compress</c> for the gradients it sends: bf16/fp16 round the values in place
/// (the buffer is the worker's own gradient, recomputed next step) and mark them to travel in 16 bits;
/// top-k sparsifies each dense segment with error feedback (<see cref="TopKSparsifier"/>: what is not
/// sent stays in this worker's residual for its next step). Embedding rows are sparse already: top-k
/// sends them whole, bf16/fp16 round them. A step computed a second time (its first try was abandoned)
/// starts from the residual its first try started from, so a redone synchronous step counts its
/// gradient once (in async mode, steps redone after an abort replay their residual as their gradients
/// are replayed: see the README's async section).
/// </summary>
internal sealed class GradientCompressor(WireCompression compression, int layoutSize)
{
    private readonly TopKSparsifier? _topK = compression.Kind == CompressionKind.TopK ? new TopKSparsifier(layoutSize, compression.Ratio) : null;
    private float[] _residualAtStep = [];
    private (string JobId, long Step)? _step;

    public WireCompression Compression { get; } = compression;

    /// <summary>Floats of the flat parameter vector the residual covers.</summary>
    public int LayoutSize => layoutSize;

    /// <summary>How dense values travel: in 16 bits for bf16 and fp16, as float32 otherwise.</summary>
    public WireEncoding DenseEncoding => Encoding(Compression.Kind);

    /// <summary>
    /// Call before sending step <paramref name="step"/>'s gradient: keeps (or, for a retried step,
    /// restores) the residual as the step starts; only the part top-k has touched, which never shrinks
    /// (the rest is zero), so the embedding's share of the vector is never copied.
    /// </summary>
    public void BeginStep(string jobId, long step)
    {
        if (_topK is null)
        {
            return;
        }

        var (start, end) = _topK.Touched;
        if (_step == (jobId, step))
        {
            _topK.Restore(_residualAtStep.AsSpan(start, end - start), start);
            return;
        }

        if (_residualAtStep.Length != layoutSize)
        {
            _residualAtStep = new float[layoutSize];
        }

        _topK.Residual[start..end].CopyTo(_residualAtStep.AsSpan(start));
        _step = (jobId, step);
    }

    /// <summary>Segment [<paramref name="start"/>, start+<paramref name="length"/>) of the flat gradient <paramref name="gradient"/> as it goes on the wire.</summary>
    public WireFloats Pack(float[] gradient, int start, int length)
    {
        var segment = gradient.AsMemory(start, length);
        if (_topK is { } topK)
        {
            var (indices, values) = topK.Sparsify(segment.Span, start);
            return WireFloats.Sparse(length, indices, values);
        }

        Round(segment.Span, Compression.Kind);
        return WireFloats.Dense(segment, DenseEncoding);
    }

    /// <summary>Embedding rows' values (the worker's reused row buffer) as they go on the wire.</summary>
    public WireFloats PackRows(Memory<float> rowValues)
    {
        if (_topK is not null)
        {
            return rowValues;
        }

        Round(rowValues.Span, Compression.Kind);
        return WireFloats.Dense(rowValues, DenseEncoding);
    }

    /// <summary>The largest finite binary16 value.</summary>
    public const float MaxHalf = 65504f;

    /// <summary>Rounds <paramref name="values"/> in place to what <paramref name="kind"/> sends (bf16; fp16, saturated at ±<see cref="MaxHalf"/>; others: unchanged). NaN stays NaN.</summary>
    public static void Round(Span<float> values, CompressionKind kind)
    {
        switch (kind)
        {
            case CompressionKind.BFloat16:
                ReducedPrecision.RoundToBFloat16(values);
                break;
            case CompressionKind.Float16:
                // Saturate: a value beyond binary16's range would become ∞ and read as divergence.
                System.Numerics.Tensors.TensorPrimitives.Min(values, MaxHalf, values);
                System.Numerics.Tensors.TensorPrimitives.Max(values, -MaxHalf, values);
                ReducedPrecision.RoundToHalf(values);
                break;
        }
    }

    /// <summary>difference = round(target − held), rounded as <paramref name="kind"/> sends it: a 16-bit weight update (see <see cref="WeightMirror"/>).</summary>
    public static void RoundedDifference(ReadOnlySpan<float> target, ReadOnlySpan<float> held, Span<float> difference, CompressionKind kind)
    {
        System.Numerics.Tensors.TensorPrimitives.Subtract(target, held, difference);
        Round(difference, kind);
    }

    /// <summary>The dense wire encoding of a kind: bf16 and fp16 travel in 16 bits, the rest as float32.</summary>
    public static WireEncoding Encoding(CompressionKind kind) => kind switch
    {
        CompressionKind.BFloat16 => WireEncoding.BFloat16,
        CompressionKind.Float16 => WireEncoding.Float16,
        _ => WireEncoding.Float32,
    };
}
