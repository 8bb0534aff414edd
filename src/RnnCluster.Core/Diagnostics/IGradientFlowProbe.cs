namespace RnnCluster.Core.Diagnostics;

/// <summary>
/// Sees, during a recurrent layer's backward pass, the gradient of the loss with respect to the
/// layer's hidden state at each time step t (from the last step back to the first): <c>dh</c> is
/// ∂L/∂h_t, (B, H); for an LSTM <c>dc</c> is ∂L/∂c_t, (B, H), else empty.
/// </summary>
public interface IGradientFlowProbe
{
    void OnStep(int layer, int t, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc);
}
