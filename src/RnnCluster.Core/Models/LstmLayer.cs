using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Models;

/// <summary>
/// LSTM: (i, f, o, g) = (σ, σ, σ, tanh)(x·W_x + h_{t−1}·W_h + b + b_h); c_t = f ⊙ c_{t−1} + i ⊙ g;
/// h_t = o ⊙ tanh(c_t). Gate blocks are laid out [i | f | o | g] along the 4H columns.
/// </summary>
public sealed class LstmLayer : RecurrentLayer
{
    private readonly float[] _gates;    // (T·B, 4H) activated gates
    private readonly float[] _cs;       // ((T+1)·B, H): c_{-1}, c_0..c_{T-1}
    private readonly float[] _tanhC;    // (T·B, H)
    private readonly float[] _dGates;   // (T·B, 4H)
    private readonly float[] _dcNext;   // (B, H)
    private float[]? _probeDc;          // (B, H), only when probed

    public LstmLayer(ModelSpec spec, ParameterLayout layout, int index, int maxRows, int maxBatch)
        : base(spec, layout, index, maxRows, maxBatch)
    {
        _gates = new float[maxRows * 4 * Hidden];
        _dGates = new float[maxRows * 4 * Hidden];
        _cs = new float[(maxRows + maxBatch) * Hidden];
        _tanhC = new float[maxRows * Hidden];
        _dcNext = new float[maxBatch * Hidden];
    }

    public override void Forward(float[] w, ReadOnlySpan<float> x, int steps, int batch, ModelState state)
    {
        int h = Hidden, g4 = 4 * Hidden, rows = steps * batch;
        var gates = _gates.AsSpan(0, rows * g4);
        var wh = Wh.Of(w);
        Gemm.Sgemm(false, false, rows, g4, InputWidth, 1f, x, InputWidth, Wx.Of(w), g4, 0f, gates, g4);
        Ops.AddRowVector(gates, rows, B.Of(w));
        Ops.AddRowVector(gates, rows, Bh.Of(w));
        state.H[Index].AsSpan(0, batch * h).CopyTo(Hs);
        state.C[Index].AsSpan(0, batch * h).CopyTo(_cs);

        for (var t = 0; t < steps; t++)
        {
            var gt = gates.Slice(t * batch * g4, batch * g4);                       // (B, 4H)
            Gemm.Sgemm(false, false, batch, g4, h, 1f, Hs.AsSpan(t * batch * h, batch * h), h, wh, g4, 1f, gt, g4);
            for (var b = 0; b < batch; b++)
            {
                var row = gt.Slice(b * g4, g4);
                TensorPrimitives.Sigmoid(row[..(3 * h)], row[..(3 * h)]);
                TensorPrimitives.Tanh(row[(3 * h)..], row[(3 * h)..]);
                var cPrev = _cs.AsSpan((t * batch + b) * h, h);
                var c = _cs.AsSpan(((t + 1) * batch + b) * h, h);
                var tc = _tanhC.AsSpan((t * batch + b) * h, h);
                var hOut = Hs.AsSpan(((t + 1) * batch + b) * h, h);
                TensorPrimitives.Multiply(row.Slice(h, h), cPrev, c);               // f ⊙ c_{t−1}
                TensorPrimitives.MultiplyAdd(row[..h], row.Slice(3 * h, h), c, c);  // + i ⊙ g
                TensorPrimitives.Tanh(c, tc);
                TensorPrimitives.Multiply(row.Slice(2 * h, h), tc, hOut);           // o ⊙ tanh(c)
            }
        }

        Hs.AsSpan(steps * batch * h, batch * h).CopyTo(state.H[Index]);
        _cs.AsSpan(steps * batch * h, batch * h).CopyTo(state.C[Index]);
    }

    public override void Backward(float[] w, float[] g, ReadOnlySpan<float> x, ReadOnlySpan<float> dOut, Span<float> dX, int steps, int batch)
    {
        int h = Hidden, g4 = 4 * Hidden, rows = steps * batch;
        var wh = Wh.Of(w);
        var dGates = _dGates.AsSpan(0, rows * g4);
        var dhNext = DhNext.AsSpan(0, batch * h);
        var dcNext = _dcNext.AsSpan(0, batch * h);
        var dh = Dh.AsSpan(0, batch * h);
        dhNext.Clear();
        dcNext.Clear();

        for (var t = steps - 1; t >= 0; t--)
        {
            TensorPrimitives.Add(dOut.Slice(t * batch * h, batch * h), dhNext, dh);
            if (Probe is { } probe)
            {
                probe.OnStep(Index, t, dh, CellGradient(t, batch, dh, dcNext));
            }

            for (var b = 0; b < batch; b++)
            {
                var r = t * batch + b;
                var gate = _gates.AsSpan(r * g4, g4);
                var dGate = dGates.Slice(r * g4, g4);
                var tc = _tanhC.AsSpan(r * h, h);
                var cPrev = _cs.AsSpan(r * h, h);
                var dhRow = dh.Slice(b * h, h);
                var dcRow = dcNext.Slice(b * h, h);
                for (var j = 0; j < h; j++)
                {
                    float i = gate[j], f = gate[h + j], o = gate[(2 * h) + j], gg = gate[(3 * h) + j];
                    float tcj = tc[j], dhj = dhRow[j];
                    var dc = dcRow[j] + (dhj * o * (1f - (tcj * tcj)));
                    dGate[j] = dc * gg * i * (1f - i);
                    dGate[h + j] = dc * cPrev[j] * f * (1f - f);
                    dGate[(2 * h) + j] = dhj * tcj * o * (1f - o);
                    dGate[(3 * h) + j] = dc * i * (1f - (gg * gg));
                    dcRow[j] = dc * f;
                }
            }

            Gemm.Sgemm(false, true, batch, h, g4, 1f, dGates.Slice(t * batch * g4, batch * g4), g4, wh, g4, 0f, dhNext, h);
        }

        Gemm.Sgemm(true, false, h, g4, rows, 1f, Hs, h, dGates, g4, 1f, Wh.Of(g), g4);
        Gemm.Sgemm(true, false, InputWidth, g4, rows, 1f, x, InputWidth, dGates, g4, 1f, Wx.Of(g), g4);
        Ops.AccumulateColumnSums(dGates, rows, B.Of(g));
        Ops.AccumulateColumnSums(dGates, rows, Bh.Of(g));
        Gemm.Sgemm(false, true, rows, InputWidth, g4, 1f, dGates, g4, Wx.Of(w), g4, 0f, dX, InputWidth);
    }

    /// <summary>
    /// ∂L/∂c_t for the probe: the cell path from step t+1 (<paramref name="dcNext"/>, f_{t+1}⊙∂L/∂c_{t+1})
    /// plus the route through h_t, ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh²(c_t)). (B, H), in a buffer of the probe's.
    /// </summary>
    private ReadOnlySpan<float> CellGradient(int t, int batch, ReadOnlySpan<float> dh, ReadOnlySpan<float> dcNext)
    {
        int h = Hidden, g4 = 4 * Hidden;
        _probeDc ??= new float[DhNext.Length];
        var dc = _probeDc.AsSpan(0, batch * h);
        for (var b = 0; b < batch; b++)
        {
            var r = t * batch + b;
            var o = _gates.AsSpan((r * g4) + (2 * h), h);
            var tc = _tanhC.AsSpan(r * h, h);
            for (var j = 0; j < h; j++)
            {
                dc[(b * h) + j] = dcNext[(b * h) + j] + (dh[(b * h) + j] * o[j] * (1f - (tc[j] * tc[j])));
            }
        }

        return dc;
    }
}
