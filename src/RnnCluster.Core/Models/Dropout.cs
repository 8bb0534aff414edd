using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Models;

/// <summary>Inverted dropout on one non-recurrent connection (a "site"), masks cached for backward.</summary>
public sealed class Dropout
{
    private readonly float[] _mask; // (T·B, width): 0 or 1/(1−p); width is H, or D at the character-aware model's site 0
    private readonly int _site;
    private readonly int _width;
    private bool _active;

    public Dropout(int site, int width, int maxRows)
    {
        _site = site;
        _width = width;
        _mask = new float[maxRows * width];
    }

    /// <summary>y = x ⊙ mask, or a plain copy when <paramref name="key"/> is null or p = 0.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int steps, int batch, float p, DropoutKey? key)
    {
        _active = key is not null && p > 0f;
        if (!_active)
        {
            x.CopyTo(y);
            return;
        }

        var k = key!.Value;
        var keep = 1f / (1f - p);
        var threshold = (ulong)(p * (double)(1UL << 32));
        for (var t = 0; t < steps; t++)
        {
            for (var b = 0; b < batch; b++)
            {
                var row = (t * batch) + b;
                var state = Rng.Hash(k.Seed, (ulong)k.Step, ((ulong)_site << 32) | (uint)t, (ulong)(k.StreamOffset + b));
                var mask = _mask.AsSpan(row * _width, _width);
                for (var j = 0; j < _width; j++)
                {
                    mask[j] = (Rng.SplitMix(ref state) >> 32) < threshold ? 0f : keep;
                }
            }
        }

        TensorPrimitives.Multiply(x, _mask.AsSpan(0, x.Length), y);
    }

    /// <summary>dx = dy ⊙ mask, in place.</summary>
    public void Backward(Span<float> dy)
    {
        if (_active)
        {
            TensorPrimitives.Multiply(dy, _mask.AsSpan(0, dy.Length), dy);
        }
    }
}
