using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Models;

/// <summary>
/// Output layer and cross-entropy: logits = h·W + b over all T·B rows in one GEMM; a forward with targets
/// turns the logits buffer into P = softmax − onehot in place, which the backward's GEMMs read. With tied
/// weights (<see cref="ModelSpec.TieWeights"/>) W is the embedding E (V, H) read transposed: logits = h·Eᵀ + b.
/// </summary>
public sealed class SoftmaxLoss
{
    private readonly ParameterTensor _w;
    private readonly ParameterTensor _b;
    private readonly int _hidden;
    private readonly int _vocab;
    private readonly bool _tied;      // _w is the embedding (V, H), not softmax.w (H, V)
    private readonly float[] _logits; // (T·B, V)
    private readonly float[] _columnSums; // (V) Σ_r P[r, ·] of the last forward with targets
    private int _rows;

    public SoftmaxLoss(ModelSpec spec, ParameterLayout layout, int maxRows)
    {
        _tied = spec.TieWeights;
        _w = layout[_tied ? "embedding" : "softmax.w"];
        _b = layout["softmax.b"];
        _hidden = spec.Hidden;
        _vocab = spec.Outputs;
        _logits = new float[maxRows * _vocab];
        _columnSums = new float[_vocab];
    }

    /// <summary>Raw logits of row <paramref name="row"/> after <see cref="Forward"/> with no targets.</summary>
    public ReadOnlySpan<float> Logits(int row) => _logits.AsSpan(row * _vocab, _vocab);

    /// <summary>
    /// Computes logits for (rows, H) input; with targets returns the summed cross-entropy (nats) and leaves
    /// P = softmax − onehot (rows, V) in the logits buffer with its column sums, ready for <see cref="Backward"/>.
    /// Each row is finished while it is in cache (bias, max, exp, normalise, column sum), so the (rows, V)
    /// buffer crosses memory once after the GEMM instead of once per pass.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A target id is outside the vocabulary.</exception>
    public double Forward(float[] w, ReadOnlySpan<float> h, int rows, ReadOnlySpan<int> targets)
    {
        _rows = rows;
        var logits = _logits.AsSpan(0, rows * _vocab);
        var bias = _b.Of(w);
        if (_tied)
        {
            Gemm.Sgemm(false, true, rows, _vocab, _hidden, 1f, h, _hidden, _w.Of(w), _hidden, 0f, logits, _vocab);
        }
        else
        {
            Gemm.Sgemm(false, false, rows, _vocab, _hidden, 1f, h, _hidden, _w.Of(w), _vocab, 0f, logits, _vocab);
        }

        if (targets.IsEmpty)
        {
            Ops.AddRowVector(logits, rows, bias);
            return 0;
        }

        var columnSums = _columnSums.AsSpan();
        columnSums.Clear();
        double loss = 0;
        for (var r = 0; r < rows; r++)
        {
            var row = logits.Slice(r * _vocab, _vocab);
            var target = targets[r];
            if ((uint)target >= (uint)_vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), $"target id {target} outside vocabulary of {_vocab}");
            }

            TensorPrimitives.Add(row, bias, row);
            var max = TensorPrimitives.Max(row);
            var targetLogit = row[target];
            TensorPrimitives.Subtract(row, max, row);
            TensorPrimitives.Exp(row, row);
            var sum = TensorPrimitives.Sum(row);
            loss += Math.Log(sum) + max - targetLogit;
            TensorPrimitives.Multiply(row, 1f / sum, row);                          // softmax
            row[target] -= 1f;                                                      // − onehot
            TensorPrimitives.Add(columnSums, row, columnSums);
        }

        return loss;
    }

    /// <summary>
    /// Backward of <c>scale · Σ CE</c>: dW = scale·hᵀP, db = scale·Σ_r P[r], dH = scale·P·Wᵀ (rows, H), with
    /// P from the last <see cref="Forward"/> with targets; the scale rides in the GEMMs' alpha. Tied:
    /// dE = scale·Pᵀh (V, H) and dH = scale·P·E.
    /// </summary>
    /// <param name="overwrite">True: the softmax weight gradient (tied: the whole embedding gradient) is
    /// overwritten instead of accumulated into (its old contents are ignored: saves zeroing (H, V) floats
    /// every step).</param>
    public void Backward(float[] w, float[] g, ReadOnlySpan<float> h, float scale, Span<float> dH, bool overwrite = false)
    {
        var rows = _rows;
        var p = _logits.AsSpan(0, rows * _vocab);
        var biasGradient = _b.Of(g);
        TensorPrimitives.MultiplyAdd(_columnSums, scale, biasGradient, biasGradient);
        if (_tied)
        {
            Gemm.Sgemm(true, false, _vocab, _hidden, rows, scale, p, _vocab, h, _hidden, overwrite ? 0f : 1f, _w.Of(g), _hidden);
            Gemm.Sgemm(false, false, rows, _hidden, _vocab, scale, p, _vocab, _w.Of(w), _hidden, 0f, dH, _hidden);
            return;
        }

        Gemm.Sgemm(true, false, _hidden, _vocab, rows, scale, h, _hidden, p, _vocab, overwrite ? 0f : 1f, _w.Of(g), _vocab);
        Gemm.Sgemm(false, true, rows, _hidden, _vocab, scale, p, _vocab, _w.Of(w), _vocab, 0f, dH, _hidden);
    }
}
