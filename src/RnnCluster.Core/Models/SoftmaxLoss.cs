using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Models;

/// <summary>
/// Output layer and cross-entropy: logits = h·W + b over all T·B rows in one GEMM; the backward pass
/// turns the logits buffer into dlogits = (softmax − onehot)·scale in place.
/// </summary>
public sealed class SoftmaxLoss
{
    private readonly ParameterTensor _w;
    private readonly ParameterTensor _b;
    private readonly int _hidden;
    private readonly int _vocab;
    private readonly float[] _logits; // (T·B, V)
    private readonly float[] _rowSum; // (T·B) Σ exp(logit − max)
    private int _rows;

    public SoftmaxLoss(ModelSpec spec, ParameterLayout layout, int maxRows)
    {
        _w = layout["softmax.w"];
        _b = layout["softmax.b"];
        _hidden = spec.Hidden;
        _vocab = spec.VocabSize;
        _logits = new float[maxRows * _vocab];
        _rowSum = new float[maxRows];
    }

    /// <summary>Raw logits of row <paramref name="row"/> after <see cref="Forward"/> with no targets.</summary>
    public ReadOnlySpan<float> Logits(int row) => _logits.AsSpan(row * _vocab, _vocab);

    /// <summary>Computes logits for (rows, H) input; with targets returns the summed cross-entropy (nats).</summary>
    public double Forward(float[] w, ReadOnlySpan<float> h, int rows, ReadOnlySpan<int> targets)
    {
        _rows = rows;
        var logits = _logits.AsSpan(0, rows * _vocab);
        Gemm.Sgemm(false, false, rows, _vocab, _hidden, 1f, h, _hidden, _w.Of(w), _vocab, 0f, logits, _vocab);
        Ops.AddRowVector(logits, rows, _b.Of(w));
        if (targets.IsEmpty)
        {
            return 0;
        }

        double loss = 0;
        for (var r = 0; r < rows; r++)
        {
            var row = logits.Slice(r * _vocab, _vocab);
            var target = targets[r];
            if ((uint)target >= (uint)_vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), $"target id {target} outside vocabulary of {_vocab}");
            }

            var max = TensorPrimitives.Max(row);
            var targetLogit = row[target];
            TensorPrimitives.Subtract(row, max, row);
            TensorPrimitives.Exp(row, row);
            var sum = TensorPrimitives.Sum(row);
            _rowSum[r] = sum;
            loss += Math.Log(sum) + max - targetLogit;
        }

        return loss;
    }

    /// <summary>
    /// Backward of <c>scale · Σ CE</c>: accumulates into the softmax gradients and writes dH (rows, H).
    /// Consumes the cached exponentials, so call once per forward.
    /// </summary>
    /// <param name="overwrite">True: the softmax weight gradient is overwritten instead of accumulated
    /// into (its old contents are ignored: saves zeroing (H, V) floats every step).</param>
    public void Backward(float[] w, float[] g, ReadOnlySpan<float> h, ReadOnlySpan<int> targets, float scale, Span<float> dH, bool overwrite = false)
    {
        var rows = _rows;
        var dLogits = _logits.AsSpan(0, rows * _vocab);
        for (var r = 0; r < rows; r++)
        {
            var row = dLogits.Slice(r * _vocab, _vocab);
            TensorPrimitives.Multiply(row, scale / _rowSum[r], row);
            row[targets[r]] -= scale;
        }

        Gemm.Sgemm(true, false, _hidden, _vocab, rows, 1f, h, _hidden, dLogits, _vocab, overwrite ? 0f : 1f, _w.Of(g), _vocab);
        Ops.AccumulateColumnSums(dLogits, rows, _b.Of(g));
        Gemm.Sgemm(false, true, rows, _hidden, _vocab, 1f, dLogits, _vocab, _w.Of(w), _vocab, 0f, dH, _hidden);
    }
}
