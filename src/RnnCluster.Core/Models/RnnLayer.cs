using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Models;

/// <summary>Vanilla RNN: h_t = tanh(x_t·W_x + h_{t−1}·W_h + b + b_h).</summary>
public sealed class RnnLayer : RecurrentLayer
{
    private readonly float[] _dPre; // (T·B, H)

    public RnnLayer(ModelSpec spec, ParameterLayout layout, int index, int maxRows, int maxBatch)
        : base(spec, layout, index, maxRows, maxBatch)
    {
        _dPre = new float[maxRows * Hidden];
    }

    public override void Forward(float[] w, ReadOnlySpan<float> x, int steps, int batch, ModelState state)
    {
        int h = Hidden, rows = steps * batch;
        var output = Hs.AsSpan(batch * h, rows * h);
        var wh = Wh.Of(w);
        state.H[Index].AsSpan(0, batch * h).CopyTo(Hs);
        Gemm.Sgemm(false, false, rows, h, InputWidth, 1f, x, InputWidth, Wx.Of(w), h, 0f, output, h);
        Ops.AddRowVector(output, rows, B.Of(w));
        Ops.AddRowVector(output, rows, Bh.Of(w));
        for (var t = 0; t < steps; t++)
        {
            var ht = Hs.AsSpan((t + 1) * batch * h, batch * h);                   // (B, H)
            Gemm.Sgemm(false, false, batch, h, h, 1f, Hs.AsSpan(t * batch * h, batch * h), h, wh, h, 1f, ht, h);
            TensorPrimitives.Tanh(ht, ht);
        }

        Hs.AsSpan(steps * batch * h, batch * h).CopyTo(state.H[Index]);
    }

    public override void Backward(float[] w, float[] g, ReadOnlySpan<float> x, ReadOnlySpan<float> dOut, Span<float> dX, int steps, int batch)
    {
        int h = Hidden, rows = steps * batch;
        var wh = Wh.Of(w);
        var dPre = _dPre.AsSpan(0, rows * h);
        var dhNext = DhNext.AsSpan(0, batch * h);
        var dh = Dh.AsSpan(0, batch * h);
        dhNext.Clear();
        for (var t = steps - 1; t >= 0; t--)
        {
            TensorPrimitives.Add(dOut.Slice(t * batch * h, batch * h), dhNext, dh);
            Probe?.OnStep(Index, t, dh, default);
            var dPreT = dPre.Slice(t * batch * h, batch * h);
            Ops.TanhBackward(Hs.AsSpan((t + 1) * batch * h, batch * h), dh, dPreT);
            Gemm.Sgemm(false, true, batch, h, h, 1f, dPreT, h, wh, h, 0f, dhNext, h);
        }

        Gemm.Sgemm(true, false, h, h, rows, 1f, Hs, h, dPre, h, 1f, Wh.Of(g), h);
        Gemm.Sgemm(true, false, InputWidth, h, rows, 1f, x, InputWidth, dPre, h, 1f, Wx.Of(g), h);
        Ops.AccumulateColumnSums(dPre, rows, B.Of(g));
        Ops.AccumulateColumnSums(dPre, rows, Bh.Of(g));
        Gemm.Sgemm(false, true, rows, InputWidth, h, 1f, dPre, h, Wx.Of(w), h, 0f, dX, InputWidth);
    }
}
