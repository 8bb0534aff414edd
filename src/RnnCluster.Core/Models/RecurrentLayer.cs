namespace RnnCluster.Core.Models;

/// <summary>
/// One recurrent layer over a window of T steps and B streams, rows ordered time-major (row = t·B + b).
/// The input width is D (<see cref="InputWidth"/>: H, or the character-aware model's word features for
/// its first layer); the output width is H. Forward caches what Backward needs in a workspace allocated once;
/// Backward accumulates (+=) weight gradients and writes the input gradient.
/// </summary>
public abstract class RecurrentLayer
{
    protected RecurrentLayer(ModelSpec spec, ParameterLayout layout, int index, int maxRows, int maxBatch)
    {
        Hidden = spec.Hidden;
        Index = index;
        Wx = layout[$"layer{index}.w_x"];
        Wh = layout[$"layer{index}.w_h"];
        B = layout[$"layer{index}.b"];
        Bh = layout[$"layer{index}.b_h"];

        // Hs holds h_{-1} (the carried state) in its first B rows, then h_0..h_{T-1}.
        Hs = new float[(maxRows + maxBatch) * Hidden];
        DhNext = new float[maxBatch * Hidden];
        Dh = new float[maxBatch * Hidden];
    }

    public int Hidden { get; }

    public int Index { get; }

    /// <summary>D: the input's width, W_x's rows (H except under the character-aware model's first layer).</summary>
    public int InputWidth => Wx.Rows;

    /// <summary>When set, told ∂L/∂h_t (and for an LSTM ∂L/∂c_t) at every step of Backward (the gradient-flow probe).</summary>
    public Diagnostics.IGradientFlowProbe? Probe { get; set; }

    protected ParameterTensor Wx { get; }

    protected ParameterTensor Wh { get; }

    protected ParameterTensor B { get; }

    protected ParameterTensor Bh { get; }

    protected float[] Hs { get; }

    protected float[] DhNext { get; }

    protected float[] Dh { get; }

    /// <summary>The layer's output for the last window: (T·B, H).</summary>
    public ReadOnlySpan<float> Output(int steps, int batch) => Hs.AsSpan(batch * Hidden, steps * batch * Hidden);

    public abstract void Forward(float[] w, ReadOnlySpan<float> x, int steps, int batch, ModelState state);

    public abstract void Backward(float[] w, float[] g, ReadOnlySpan<float> x, ReadOnlySpan<float> dOut, Span<float> dX, int steps, int batch);
}
