using System.Numerics.Tensors;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Embeddings;

/// <summary>
/// The loss of one centre word given its context, and its gradient (the course's CBOW): the hidden
/// layer is the mean of the context words' input vectors, h = Wᵀx̄ (x̄ the mean of their one-hot
/// vectors), the score of word j is u_j = W′_j·h, and the loss is
/// <list type="bullet">
/// <item>full softmax (K = 0): −log softmax(u)[o] over the whole vocabulary;</item>
/// <item>negative sampling (Mikolov et al. 2013, eq. 4): −log σ(u_o) − Σₖ log σ(−u_k) over K words
/// drawn from the unigram^¾ distribution (a draw equal to the centre word is skipped, as word2vec does).</item>
/// </list>
/// The gradient is the exact one of that loss: ∂/∂W′_j = g_j·h with g = ∂loss/∂u, and every context
/// occurrence gets ∂loss/∂h divided by the context size (the mean's share). word2vec, fastText and
/// gensim instead add the whole ∂loss/∂h to every context word; the exact gradient is what the
/// gradient check verifies, and the learning rate absorbs the difference.
/// <para>
/// Weights are the flat layout of a CBOW model: the input vectors W (V, d) from offset 0, then the
/// output vectors W′ (V, d) from V·d. Gradient row r &lt; V is input word r, row V + j output word j.
/// </para>
/// </summary>
public sealed class CbowObjective
{
    private readonly int _vocab;
    private readonly int _dim;
    private readonly float[] _h;
    private readonly float[] _dh;
    private readonly float[] _scores;

    /// <param name="vocab">V, words in the vocabulary.</param>
    /// <param name="dim">d, the vectors' size.</param>
    public CbowObjective(int vocab, int dim)
    {
        _vocab = vocab;
        _dim = dim;
        _h = new float[dim];
        _dh = new float[dim];
        _scores = new float[vocab];
    }

    /// <summary>
    /// The loss (nats) of centre word <paramref name="target"/> given <paramref name="context"/> (word
    /// ids, at least one), with <paramref name="negatives"/> (word ids, may include the target, which is
    /// skipped; empty: the full softmax). With a <paramref name="gradient"/> it adds
    /// <paramref name="lossScale"/>·∂loss/∂weights into its rows (see the class remarks for row ids).
    /// </summary>
    public double Loss(float[] weights, ReadOnlySpan<int> context, int target, ReadOnlySpan<int> negatives, bool fullSoftmax,
        GradientRows? gradient, float lossScale)
    {
        var d = _dim;
        var h = _h.AsSpan();
        h.Clear();
        foreach (var c in context)
        {
            TensorPrimitives.Add(h, weights.AsSpan(c * d, d), h);
        }

        TensorPrimitives.Multiply(h, 1f / context.Length, h);
        var dh = _dh.AsSpan();
        dh.Clear();
        var outputs = _vocab * d;
        double loss;
        if (fullSoftmax)
        {
            loss = FullSoftmax(weights, target, gradient, lossScale, h, dh, outputs);
        }
        else
        {
            loss = Output(weights, target, 1f, gradient, lossScale, h, dh, outputs);
            foreach (var k in negatives)
            {
                if (k != target)
                {
                    loss += Output(weights, k, 0f, gradient, lossScale, h, dh, outputs);
                }
            }
        }

        if (gradient is not null)
        {
            TensorPrimitives.Multiply(dh, lossScale / context.Length, dh);
            foreach (var c in context)
            {
                var row = gradient.Row(c);
                TensorPrimitives.Add(row, dh, row);
            }
        }

        return loss;
    }

    /// <summary>One logistic output: −log σ(u) for the target (label 1), −log σ(−u) for a negative (label 0).</summary>
    private double Output(float[] weights, int word, float label, GradientRows? gradient, float lossScale, Span<float> h, Span<float> dh, int outputs)
    {
        var d = _dim;
        var u = weights.AsSpan(outputs + (word * d), d);
        var score = TensorPrimitives.Dot(u, h);
        var loss = label > 0 ? Softplus(-score) : Softplus(score);
        if (gradient is not null)
        {
            var g = Sigmoid(score) - label; // ∂loss/∂score
            TensorPrimitives.MultiplyAdd(u, g, dh, dh);
            var row = gradient.Row(_vocab + word);
            TensorPrimitives.MultiplyAdd(h, g * lossScale, row, row);
        }

        return loss;
    }

    private double FullSoftmax(float[] weights, int target, GradientRows? gradient, float lossScale, Span<float> h, Span<float> dh, int outputs)
    {
        var d = _dim;
        var scores = _scores.AsSpan();
        for (var j = 0; j < _vocab; j++)
        {
            scores[j] = TensorPrimitives.Dot(weights.AsSpan(outputs + (j * d), d), h);
        }

        var max = TensorPrimitives.Max(scores);
        var sum = 0.0;
        for (var j = 0; j < _vocab; j++)
        {
            sum += Math.Exp(scores[j] - max);
        }

        var loss = max + Math.Log(sum) - scores[target];
        if (gradient is not null)
        {
            for (var j = 0; j < _vocab; j++)
            {
                var g = (float)(Math.Exp(scores[j] - max) / sum) - (j == target ? 1f : 0f);
                TensorPrimitives.MultiplyAdd(weights.AsSpan(outputs + (j * d), d), g, dh, dh);
                var row = gradient.Row(_vocab + j);
                TensorPrimitives.MultiplyAdd(h, g * lossScale, row, row);
            }
        }

        return loss;
    }

    /// <summary>log(1 + eˣ), without overflow.</summary>
    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
