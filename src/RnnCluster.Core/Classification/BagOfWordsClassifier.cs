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
public sealed class BagOfWordsClassifier : IDocumentClassifier
{
    private readonly ParameterTensor _embedding;
    private readonly ParameterTensor[] _w;
    private readonly ParameterTensor[] _b;
    private readonly Dropout[] _dropouts;  // site l feeds hidden layer l; site L feeds the softmax
    private readonly float[][] _inputs;    // (n, H) per site, after dropout
    private readonly float[][] _outputs;   // (n, H) per hidden layer: tanh outputs, before dropout
    private readonly float[][] _dInputs;   // (n, H) per site
    private readonly float[] _mean;        // (n, H) mean embeddings
    private readonly SoftmaxLoss _softmax;
    private readonly bool[] _rowDirty;
    private readonly List<int> _dirtyRows = [];
    private Document[] _documents = [];
    private int _count;

    /// <param name="maxDocuments">The most documents a <see cref="Forward"/> takes (≥ 1).</param>
    /// <param name="weights">Weights to compute on (referenced, not copied); null: a zeroed vector of its own.</param>
    /// <exception cref="ArgumentException">When the spec is not a bag-of-words classifier or the weights do not fit it.</exception>
    public BagOfWordsClassifier(ModelSpec spec, int maxDocuments, float[]? weights = null)
    {
        spec.Validate();
        if (!spec.IsClassifier || spec.Cell != CellType.Bow)
        {
            throw new ArgumentException($"a {spec.Cell.Name()} model of {spec.Classes} classes is not a bag-of-words classifier");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxDocuments, 1);
        Spec = spec;
        MaxDocuments = maxDocuments;
        Layout = ParameterLayout.For(spec);
        if (weights is not null && weights.Length != Layout.Size)
        {
            throw new ArgumentException($"weights have {weights.Length} floats, the layout needs {Layout.Size}");
        }

        Weights = weights ?? new float[Layout.Size];
        Gradients = new float[Layout.Size];
        var h = spec.Hidden;
        var layers = spec.Layers;
        _embedding = Layout["embedding"];
        _w = [.. Enumerable.Range(0, layers).Select(l => Layout[$"hidden{l}.w"])];
        _b = [.. Enumerable.Range(0, layers).Select(l => Layout[$"hidden{l}.b"])];
        _dropouts = [.. Enumerable.Range(0, layers + 1).Select(site => new Dropout(site, h, maxDocuments))];
        _inputs = [.. Enumerable.Range(0, layers + 1).Select(_ => new float[maxDocuments * h])];
        _dInputs = [.. Enumerable.Range(0, layers + 1).Select(_ => new float[maxDocuments * h])];
        _outputs = [.. Enumerable.Range(0, layers).Select(_ => new float[maxDocuments * h])];
        _mean = new float[maxDocuments * h];
        _softmax = new SoftmaxLoss(spec, Layout, maxDocuments);
        _rowDirty = new bool[spec.VocabSize];
    }

    public ModelSpec Spec { get; }

    public ParameterLayout Layout { get; }

    public int MaxDocuments { get; }

    /// <summary>The weights, (layout size) floats.</summary>
    public float[] Weights { get; }

    /// <summary>The gradient of the last <see cref="Backward"/>s since <see cref="ZeroGradients"/>, (layout size) floats.</summary>
    public float[] Gradients { get; }

    /// <summary>The embedding rows whose gradient may be non-zero (unordered); the rest of the embedding gradient is zero.</summary>
    public IReadOnlyList<int> DirtyEmbeddingRows => _dirtyRows;

    /// <summary>Zeroes the dense part of <see cref="Gradients"/> and the embedding rows that may be non-zero.</summary>
    public void ZeroGradients()
    {
        Array.Clear(Gradients, _embedding.Length, Gradients.Length - _embedding.Length);
        var h = Spec.Hidden;
        foreach (var id in _dirtyRows)
        {
            Array.Clear(Gradients, id * h, h);
            _rowDirty[id] = false;
        }

        _dirtyRows.Clear();
    }

    /// <summary>Records that the gradient rows of these word ids may be non-zero (written outside a backward pass).</summary>
    public void MarkEmbeddingRows(IEnumerable<int> ids)
    {
        foreach (var id in ids)
        {
            Mark(id);
        }
    }

    /// <summary>
    /// Runs <paramref name="documents"/> forward. With <paramref name="withLoss"/> returns Σ −log ŷ[label]
    /// in nats and keeps what <see cref="Backward"/> needs; without, leaves the raw logits for
    /// <see cref="Logits"/> and returns 0. Dropout applies only when <paramref name="dropout"/> is given;
    /// its stream offset is the first document's slot in the whole batch. An empty document's x is 0.
    /// </summary>
    /// <exception cref="ArgumentException">More documents than MaxDocuments, or a word or label id out of range.</exception>
    public double Forward(Document[] documents, DropoutKey? dropout, bool withLoss)
    {
        var n = documents.Length;
        if (n < 1 || n > MaxDocuments)
        {
            throw new ArgumentException($"{n} documents do not fit the workspace of {MaxDocuments}");
        }

        _documents = documents;
        _count = n;
        int h = Spec.Hidden, vocab = Spec.VocabSize;
        var embedding = _embedding.Of(Weights);
        var labels = withLoss ? new int[n] : [];
        for (var d = 0; d < n; d++)
        {
            var mean = _mean.AsSpan(d * h, h);
            mean.Clear();
            var words = documents[d].Words;
            foreach (var id in words)
            {
                if ((uint)id >= (uint)vocab)
                {
                    throw new ArgumentException($"word id {id} outside the vocabulary of {vocab}");
                }

                TensorPrimitives.Add(mean, embedding.Slice(id * h, h), mean);
            }

            if (words.Length > 0)
            {
                TensorPrimitives.Multiply(mean, 1f / words.Length, mean);
            }

            if (withLoss)
            {
                labels[d] = (uint)documents[d].Label < (uint)Spec.Classes
                    ? documents[d].Label
                    : throw new ArgumentException($"label id {documents[d].Label} outside the {Spec.Classes} classes");
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

        return _softmax.Forward(Weights, _inputs[^1].AsSpan(0, rows), n, labels);
    }

    /// <summary>Backward of <c>lossScale · Σ −log ŷ[label]</c> of the last <see cref="Forward"/> with loss; accumulates into <see cref="Gradients"/>.</summary>
    public void Backward(float lossScale)
    {
        int h = Spec.Hidden, n = _count, rows = n * h;
        var top = _w.Length;
        _softmax.Backward(Weights, Gradients, _inputs[top].AsSpan(0, rows), lossScale, _dInputs[top]);
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
        var gEmbedding = _embedding.Of(Gradients);
        for (var d = 0; d < n; d++)
        {
            var words = _documents[d].Words;
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

    /// <summary>The raw logits (K) of document <paramref name="document"/> of the last forward without loss.</summary>
    public ReadOnlySpan<float> Logits(int document) => _softmax.Logits(document);

    private void Mark(int id)
    {
        if (!_rowDirty[id])
        {
            _rowDirty[id] = true;
            _dirtyRows.Add(id);
        }
    }
}
