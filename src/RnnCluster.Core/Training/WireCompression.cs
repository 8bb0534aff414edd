using System.Globalization;

namespace RnnCluster.Core.Training;

/// <summary>What a cluster job's tensors become on the wire (<c>--compress</c>).</summary>
public enum CompressionKind
{
    /// <summary>float32, exact.</summary>
    None,

    /// <summary>Gradients and weights as bfloat16 (see <see cref="Numerics.ReducedPrecision"/>).</summary>
    BFloat16,

    /// <summary>Gradients and weights as IEEE binary16, saturated at ±65504 (what does not fit goes with the next update: error feedback for weights).</summary>
    Float16,

    /// <summary>
    /// Gradients sparsified to their largest-magnitude fraction <see cref="WireCompression.Ratio"/> with
    /// error feedback (<see cref="TopKSparsifier"/>), selected over all tensors after the embedding
    /// together (per key range with a sharded server); weights as float32.
    /// </summary>
    TopK,
}

/// <summary>
/// A parsed <c>--compress</c> value: <c>none</c>, <c>bf16</c>, <c>fp16</c> or <c>topk:R</c> with R the
/// fraction of each gradient tensor's values sent (0 &lt; R ≤ 1; <c>topk:0.01</c> or <c>topk:1%</c>).
/// </summary>
public sealed record WireCompression(CompressionKind Kind, double Ratio = 1)
{
    public static readonly WireCompression None = new(CompressionKind.None);

    /// <summary>True when weight updates are sent as 16-bit deltas (bf16, fp16).</summary>
    public bool CompressesWeights => Kind is CompressionKind.BFloat16 or CompressionKind.Float16;

    /// <exception cref="ArgumentException">When the text is none of the forms, naming <c>--compress</c>.</exception>
    public static WireCompression Parse(string text)
    {
        var value = text.ToLowerInvariant();
        switch (value)
        {
            case "none":
                return None;
            case "bf16":
                return new(CompressionKind.BFloat16);
            case "fp16":
                return new(CompressionKind.Float16);
        }

        if (value.StartsWith("topk:", StringComparison.Ordinal))
        {
            var number = value["topk:".Length..];
            var percent = number.EndsWith('%');
            if (!double.TryParse(percent ? number[..^1] : number, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio))
            {
                throw new ArgumentException($"--compress {Text.QuotedText.Quote(text)}: {Text.QuotedText.Quote(number)} is not a number; give the fraction of values to send, e.g. topk:0.01 or topk:1%");
            }

            ratio = percent ? ratio / 100 : ratio;
            if (ratio is > 0 and <= 1)
            {
                return new(CompressionKind.TopK, ratio);
            }

            throw new ArgumentException($"--compress {text}: the top-k fraction must be in (0, 1], e.g. topk:0.01 or topk:1%");
        }

        throw new ArgumentException($"--compress {Text.QuotedText.Quote(text)}: expected none, bf16, fp16 or topk:R (e.g. topk:0.01)");
    }

    /// <summary>The flag's text: <c>none</c>, <c>bf16</c>, <c>fp16</c>, <c>topk:R</c>.</summary>
    public override string ToString() => Kind switch
    {
        CompressionKind.BFloat16 => "bf16",
        CompressionKind.Float16 => "fp16",
        CompressionKind.TopK => "topk:" + Ratio.ToString("R", CultureInfo.InvariantCulture),
        _ => "none",
    };
}
