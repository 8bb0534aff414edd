using System.Numerics.Tensors;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Diagnostics;

/// <summary>
/// The gradient-flow probe: how much the loss at the end of a BPTT window reaches back in time. For
/// windows of T steps it measures ‖∂L_T/∂h_k‖ — L_T the cross-entropy of the window's last step, h_k
/// the top recurrent layer's hidden state k steps earlier (lag T−1−k = 0…T−1) — as the L2 norm over H
/// of each stream's gradient, averaged over streams and windows; for an LSTM also ‖∂L_T/∂c_k‖, the
/// memory cell's. A vanilla RNN's norms fall roughly geometrically with the lag (vanishing gradients:
/// Bengio et al. 1994; Pascanu et al. 2013), a gated cell's far less.
/// </summary>
public static class GradientFlow
{
    /// <summary>Mean norms per lag (index 0: the last step itself); <see cref="CellNorms"/> null except for an LSTM.</summary>
    public sealed record Result(string Model, string Stage, double[] HiddenNorms, double[]? CellNorms, int Windows);

    /// <summary>
    /// Runs <paramref name="windows"/> consecutive windows of <paramref name="steps"/> × <paramref name="batch"/>
    /// over <paramref name="tokens"/> (state carried between windows, as in training; no dropout) and
    /// averages the probe's norms. <paramref name="model"/>'s gradients are overwritten.
    /// </summary>
    /// <exception cref="ArgumentException">When the tokens cannot fill one window of every stream.</exception>
    public static Result Measure(LanguageModel model, ReadOnlySpan<int> tokens, int steps, int batch, int windows, string name, string stage)
    {
        var streamLength = tokens.Length / batch;
        var available = (streamLength - 1) / steps;
        if (available < 1)
        {
            throw new ArgumentException($"{tokens.Length:N0} tokens cannot fill one window of {steps} steps for {batch} streams (need {(steps * batch) + batch:N0})");
        }

        windows = Math.Min(windows, available);
        var probe = new Probe(model.Spec.Layers - 1, steps, model.Spec.Hidden, model.Spec.Cell.IsLstm());
        var state = model.NewState(batch);
        var inputs = new int[steps * batch];
        var targets = new int[steps * batch];
        model.SetProbe(probe);
        try
        {
            for (var w = 0; w < windows; w++)
            {
                for (var t = 0; t < steps; t++)
                {
                    for (var b = 0; b < batch; b++)
                    {
                        var position = (b * streamLength) + (w * steps) + t;
                        inputs[(t * batch) + b] = tokens[position];
                        targets[(t * batch) + b] = tokens[position + 1];
                    }
                }

                model.ZeroGradients();
                model.Forward(inputs, targets, steps, batch, state, dropout: null);
                model.Backward(1f, lastStepLossOnly: true);
            }
        }
        finally
        {
            model.SetProbe(null);
        }

        var count = (double)windows * batch;
        return new Result(name, stage, [.. probe.Hidden.Select(s => s / count)], probe.Cell?.Select(s => s / count).ToArray(), windows);
    }

    /// <summary>Sums per-stream norms of the top layer's step gradients by lag.</summary>
    private sealed class Probe(int topLayer, int steps, int hidden, bool cell) : IGradientFlowProbe
    {
        public double[] Hidden { get; } = new double[steps];

        public double[]? Cell { get; } = cell ? new double[steps] : null;

        public void OnStep(int layer, int t, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc)
        {
            if (layer != topLayer)
            {
                return;
            }

            var lag = steps - 1 - t;
            for (var b = 0; b < dh.Length / hidden; b++)
            {
                Hidden[lag] += TensorPrimitives.Norm(dh.Slice(b * hidden, hidden));
                if (Cell is not null && !dc.IsEmpty)
                {
                    Cell[lag] += TensorPrimitives.Norm(dc.Slice(b * hidden, hidden));
                }
            }
        }
    }
}
