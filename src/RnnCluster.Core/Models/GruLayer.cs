using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Models;

/// <summary>
/// GRU in the cuDNN/PyTorch convention, gate blocks [r | z | n] along the 3H columns:
/// r = σ(x·W_xr + b_r + h·W_hr + b_hr), z = σ(x·W_xz + b_z + h·W_hz + b_hz),
/// n = tanh(x·W_xn + b_n + r ⊙ (h·W_hn + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
/// The reset gate multiplies the recurrent product after the matmul, so W_h·h is one GEMM per step.
/// </summary>
public sealed class GruLayer : RecurrentLayer
{
    private readonly float[] _gx;   // (T·B, 3H) input projections, then r, z, n in place
    private readonly float[] _gh;   // (T·B, 3H) recurrent projections h·W_h + b_h
    private readonly float[] _dGx;  // (T·B, 3H)
    private readonly float[] _dGh;  // (T·B, 3H)

    public GruLayer(ModelSpec spec, ParameterLayout layout, int index, int maxRows, int maxBatch)
        : base(spec, layout, index, maxRows, maxBatch)
    {
        _gx = new float[maxRows * 3 * Hidden];
        _gh = new float[maxRows * 3 * Hidden];
        _dGx = new float[maxRows * 3 * Hidden];
        _dGh = new float[maxRows * 3 * Hidden];
    }

    public override void Forward(float[] w, ReadOnlySpan<float> x, int steps, int batch, ModelState state)
    {
        int h = Hidden, g3 = 3 * Hidden, rows = steps * batch;
        var gx = _gx.AsSpan(0, rows * g3);
        var gh = _gh.AsSpan(0, rows * g3);
        var wh = Wh.Of(w);
        var bh = Bh.Of(w);
        Gemm.Sgemm(false, false, rows, g3, InputWidth, 1f, x, InputWidth, Wx.Of(w), g3, 0f, gx, g3);
        Ops.AddRowVector(gx, rows, B.Of(w));
        state.H[Index].AsSpan(0, batch * h).CopyTo(Hs);

        for (var t = 0; t < steps; t++)
        {
            var ght = gh.Slice(t * batch * g3, batch * g3);                         // (B, 3H)
            Gemm.Sgemm(false, false, batch, g3, h, 1f, Hs.AsSpan(t * batch * h, batch * h), h, wh, g3, 0f, ght, g3);
            Ops.AddRowVector(ght, batch, bh);
            for (var b = 0; b < batch; b++)
            {
                var r = t * batch + b;
                var act = gx.Slice(r * g3, g3);
                var rec = ght.Slice(b * g3, g3);
                var rz = act[..(2 * h)];
                TensorPrimitives.Add(rz, rec[..(2 * h)], rz);
                TensorPrimitives.Sigmoid(rz, rz);
                var n = act.Slice(2 * h, h);
                TensorPrimitives.MultiplyAdd(act[..h], rec.Slice(2 * h, h), n, n); // n += r ⊙ (h·W_hn + b_hn)
                TensorPrimitives.Tanh(n, n);
                var hPrev = Hs.AsSpan(r * h, h);
                var hOut = Hs.AsSpan((r + batch) * h, h);
                TensorPrimitives.Subtract(hPrev, n, hOut);
                TensorPrimitives.MultiplyAdd(act.Slice(h, h), hOut, n, hOut);       // n + z ⊙ (h_{t−1} − n)
            }
        }

        Hs.AsSpan(steps * batch * h, batch * h).CopyTo(state.H[Index]);
    }

    public override void Backward(float[] w, float[] g, ReadOnlySpan<float> x, ReadOnlySpan<float> dOut, Span<float> dX, int steps, int batch)
    {
        int h = Hidden, g3 = 3 * Hidden, rows = steps * batch;
        var wh = Wh.Of(w);
        var dGx = _dGx.AsSpan(0, rows * g3);
        var dGh = _dGh.AsSpan(0, rows * g3);
        var dhNext = DhNext.AsSpan(0, batch * h);
        var dh = Dh.AsSpan(0, batch * h);
        dhNext.Clear();

        for (var t = steps - 1; t >= 0; t--)
        {
            TensorPrimitives.Add(dOut.Slice(t * batch * h, batch * h), dhNext, dh);
            Probe?.OnStep(Index, t, dh, default);
            for (var b = 0; b < batch; b++)
            {
                var r = t * batch + b;
                var act = _gx.AsSpan(r * g3, g3);
                var rec = _gh.AsSpan(r * g3, g3);
                var dx = dGx.Slice(r * g3, g3);
                var dr = dGh.Slice(r * g3, g3);
                var hPrev = Hs.AsSpan(r * h, h);
                var dhRow = dh.Slice(b * h, h);
                var direct = dhNext.Slice(b * h, h);
                for (var j = 0; j < h; j++)
                {
                    float rg = act[j], z = act[h + j], n = act[(2 * h) + j], dhj = dhRow[j];
                    var dPreN = dhj * (1f - z) * (1f - (n * n));
                    var dPreR = dPreN * rec[(2 * h) + j] * rg * (1f - rg);
                    var dPreZ = dhj * (hPrev[j] - n) * z * (1f - z);
                    dx[j] = dPreR;
                    dx[h + j] = dPreZ;
                    dx[(2 * h) + j] = dPreN;
                    dr[j] = dPreR;
                    dr[h + j] = dPreZ;
                    dr[(2 * h) + j] = dPreN * rg;
                    direct[j] = dhj * z;
                }
            }

            Gemm.Sgemm(false, true, batch, h, g3, 1f, dGh.Slice(t * batch * g3, batch * g3), g3, wh, g3, 1f, dhNext, h);
        }

        Gemm.Sgemm(true, false, h, g3, rows, 1f, Hs, h, dGh, g3, 1f, Wh.Of(g), g3);
        Ops.AccumulateColumnSums(dGh, rows, Bh.Of(g));
        Gemm.Sgemm(true, false, InputWidth, g3, rows, 1f, x, InputWidth, dGx, g3, 1f, Wx.Of(g), g3);
        Ops.AccumulateColumnSums(dGx, rows, B.Of(g));
        Gemm.Sgemm(false, true, rows, InputWidth, g3, 1f, dGx, g3, Wx.Of(w), g3, 0f, dX, InputWidth);
    }
}
