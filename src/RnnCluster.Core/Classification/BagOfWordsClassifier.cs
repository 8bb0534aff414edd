using System.Numerics.Tensors;
using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Classification;

/// <summary>
/// The course's feed-forward text classifier over a bag of words, for a batch of up to MaxDocuments
/// documents: x_d = mean of the embedding rows E[w] of document d's words (the normalised
/// bag-of-words vector times E), h⁰ = x, h^(l+1) = tanh(h^l W_l + b_l) for each of the spec's Layers
/// hidden layers, ŷ = softmax(h^L W_s + b_s) over the K classes; the loss is Σ_d −log ŷ_d[label_d].
/// Dropout (the spec's rate) is applied to x and to each hidden layer's output while training.
/// Weights and gradients are flat vectors laid out by <see cref="ParameterLayout.For"/>; the embedding
/// gradient is sparse (only the rows of words the batch holds), tracked as in <see cref="LanguageModel"/>.
/// </summary>
public sealed class BagOfWordsClassifier : DocumentClassifier
{
    private readonly ParameterTensor[] _w;
    private readonly ParameterTensor[] _b;
    private readonly Dropout[] _dropouts;  // site l feeds hidden layer l; site L feeds the softmax
    private readonly float[][] _inputs;    // (n, H) per site, after dropout
    private readonly float[][] _outputs;   // (n, H) per hidden layer: tanh outputs, before dropout
    private readonly float[][] _dInputs;   // (n, H) per site
    private readonly float[] _mean;        // (n, H) mean embeddings

    /// <param name="maxDocuments">The most documents a <see cref="DocumentClassifier.Forward"/> takes (≥ 1).</param>
    /// <param name="weights">Weights to compute on (referenced, not copied); null: a zeroed vector of its own.</param>
    /// <exception cref="ArgumentException">When the spec is not a bag-of-words classifier or the weights do not fit it.</exception>
    public BagOfWordsClassifier(ModelSpec spec, int maxDocuments, float[]? weights = null)
        : base(Checked(spec), maxDocuments, weights)
    {
        var h = spec.Hidden;
        var layers = spec.Layers;
        _w = [.. Enumerable.Range(0, layers).Select(l => Layout[$"hidden{l}.w"])];
        _b = [.. Enumerable.Range(0, layers).Select(l => Layout[$"hidden{l}.b"])];
        _dropouts = [.. Enumerable.Range(0, layers + 1).Select(site => new Dropout(site, h, maxDocuments))];
        _inputs = [.. Enumerable.Range(0, layers + 1).Select(_ => new float[maxDocuments * h])];
        _dInputs = [.. Enumerable.Range(0, layers + 1).Select(_ => new float[maxDocuments * h])];
        _outputs = [.. Enumerable.Range(0, layers).Select(_ => new float[maxDocuments * h])];
        _mean = new float[maxDocuments * h];
    }

    private static ModelSpec Checked(ModelSpec spec)
    {
        spec.Validate();
        return spec.IsClassifier && spec.Cell == CellType.Bow
            ? spec
            : throw new ArgumentException($"a {spec.Cell.Name()} model of {spec.Classes} classes is not a bag-of-words classifier");
    }

    /// <inheritdoc/>
    /// <remarks>An empty document's mean embedding is 0.</remarks>
    protected override double ForwardBatch(DropoutKey? dropout, ReadOnlySpan<int> labels)
    {
        int n = Count, h = Spec.Hidden;
        var embedding = Embedding.Of(Weights);
        for (var d = 0; d < n; d++)
        {
            var mean = _mean.AsSpan(d * h, h);
            mean.Clear();
            var words = Words(d);
            foreach (var id in words)
            {
                TensorPrimitives.Add(mean, embedding.Slice(id * h, h), mean);
            }

            if (words.Length > 0)
            {
                TensorPrimitives.Multiply(mean, 1f / words.Length, mean);
            }
        }

        var rows = n * h;
        var p = Spec.Dropout;
        _dropouts[0].Forward(_mean.AsSpan(0, rows), _inputs[0], 1, n, p, dropout);
        for (var l = 0; l < _w.Length; l++)
        {
            var a = _outputs[l].AsSpan(0, rows);
            Gemm.Sgemm(false, false, n, h, h, 1f, _inputs[l].AsSpan(0, rows), h, _w[l].Of(Weights), h, 0f, a, h);
            Ops.AddRowVector(a, n, _b[l].Of(Weights));
            TensorPrimitives.Tanh(a, a);
            _dropouts[l + 1].Forward(a, _inputs[l + 1], 1, n, p, dropout);
        }

        return Softmax.Forward(Weights, _inputs[^1].AsSpan(0, rows), n, labels);
    }

    /// <inheritdoc/>
    public override void Backward(float lossScale)
    {
        int h = Spec.Hidden, n = Count, rows = n * h;
        var top = _w.Length;
        Softmax.Backward(Weights, Gradients, _inputs[top].AsSpan(0, rows), lossScale, _dInputs[top]);
        for (var l = top - 1; l >= 0; l--)
        {
            var dA = _dInputs[l + 1].AsSpan(0, rows);
            _dropouts[l + 1].Backward(dA);
            Ops.TanhBackward(_outputs[l].AsSpan(0, rows), dA, dA);
            Gemm.Sgemm(true, false, h, h, n, 1f, _inputs[l].AsSpan(0, rows), h, dA, h, 1f, _w[l].Of(Gradients), h);
            Ops.AccumulateColumnSums(dA, n, _b[l].Of(Gradients));
            Gemm.Sgemm(false, true, n, h, h, 1f, dA, h, _w[l].Of(Weights), h, 0f, _dInputs[l].AsSpan(0, rows), h);
        }

        var dMean = _dInputs[0].AsSpan(0, rows);
        _dropouts[0].Backward(dMean);
        var gEmbedding = Embedding.Of(Gradients);
        for (var d = 0; d < n; d++)
        {
            var words = Words(d);
            if (words.Length == 0)
            {
                continue;
            }

            var dx = dMean.Slice(d * h, h);
            TensorPrimitives.Multiply(dx, 1f / words.Length, dx);
            foreach (var id in words)
            {
                var row = gEmbedding.Slice(id * h, h);
                TensorPrimitives.Add(row, dx, row);
                Mark(id);
            }
        }
    }
}
