using RnnCluster.Core.Models;

namespace RnnCluster.Core.Classification;

/// <summary>
/// A document classifier's forward and backward passes over a batch of up to <see cref="MaxDocuments"/>
/// documents (see <see cref="BagOfWordsClassifier"/> and <see cref="RecurrentClassifier"/>), on weights
/// and gradients laid out by <see cref="ParameterLayout.For"/>. This base holds what every classifier
/// shares: the batch's labels and words (checked, in buffers reused across steps), the softmax over the
/// K classes and the sparse embedding gradient (only the rows of the words the batch holds).
/// </summary>
public abstract class DocumentClassifier
{
    private readonly bool[] _rowDirty;      // (V): embedding gradient row may be non-zero
    private readonly List<int> _dirtyRows = [];
    private readonly int[] _labels;         // (B) of the last forward with loss
    private readonly int[][] _words;        // (B) word ids of the last forward's documents

    /// <param name="spec">A valid classifier spec (the subclass checks its kind first).</param>
    /// <param name="weights">Weights to compute on (referenced, not copied); null: a zeroed vector of its own.</param>
    /// <exception cref="ArgumentException">When the weights do not fit the layout or maxDocuments is below 1.</exception>
    protected DocumentClassifier(ModelSpec spec, int maxDocuments, float[]? weights)
    {
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
        Embedding = Layout["embedding"];
        Softmax = new SoftmaxLoss(spec, Layout, maxDocuments);
        _rowDirty = new bool[spec.VocabSize];
        _labels = new int[maxDocuments];
        _words = new int[maxDocuments][];
    }

    public ModelSpec Spec { get; }

    public ParameterLayout Layout { get; }

    /// <summary>The most documents a <see cref="Forward"/> takes.</summary>
    public int MaxDocuments { get; }

    /// <summary>The weights computed on, (layout size) floats.</summary>
    public float[] Weights { get; }

    /// <summary>The gradient of the <see cref="Backward"/>s since <see cref="ZeroGradients"/>, (layout size) floats.</summary>
    public float[] Gradients { get; }

    /// <summary>The embedding rows whose gradient may be non-zero (unordered); the rest of the embedding gradient is zero.</summary>
    public IReadOnlyList<int> DirtyEmbeddingRows => _dirtyRows;

    /// <summary>Documents of the last <see cref="Forward"/>.</summary>
    protected int Count { get; private set; }

    protected ParameterTensor Embedding { get; }

    /// <summary>The output layer over the K classes, one row per document.</summary>
    protected SoftmaxLoss Softmax { get; }

    /// <summary>Zeroes the dense part of <see cref="Gradients"/> and the embedding rows that may be non-zero.</summary>
    public void ZeroGradients()
    {
        Array.Clear(Gradients, Embedding.Length, Gradients.Length - Embedding.Length);
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
    /// its stream offset is the first document's slot in the whole batch.
    /// </summary>
    /// <exception cref="ArgumentException">More documents than the workspace holds, or a word or label id out of range.</exception>
    public double Forward(ReadOnlySpan<Document> documents, DropoutKey? dropout, bool withLoss)
    {
        var n = documents.Length;
        if (n < 1 || n > MaxDocuments)
        {
            throw new ArgumentException($"{n} documents do not fit the workspace of {MaxDocuments}");
        }

        for (var d = 0; d < n; d++)
        {
            foreach (var id in documents[d].Words)
            {
                if ((uint)id >= (uint)Spec.VocabSize)
                {
                    throw new ArgumentException($"word id {id} outside the vocabulary of {Spec.VocabSize}");
                }
            }

            if (withLoss && (uint)documents[d].Label >= (uint)Spec.Classes)
            {
                throw new ArgumentException($"label id {documents[d].Label} outside the {Spec.Classes} classes");
            }

            _words[d] = documents[d].Words;
            _labels[d] = documents[d].Label;
        }

        Count = n;
        return ForwardBatch(dropout, withLoss ? _labels.AsSpan(0, n) : []);
    }

    /// <summary>Backward of <c>lossScale · Σ −log ŷ[label]</c> of the last <see cref="Forward"/> with loss; accumulates into <see cref="Gradients"/>.</summary>
    public abstract void Backward(float lossScale);

    /// <summary>The raw logits (K) of document <paramref name="document"/> of the last forward without loss.</summary>
    public ReadOnlySpan<float> Logits(int document) => Softmax.Logits(document);

    /// <summary>The forward pass over the <see cref="Count"/> documents whose words <see cref="Words"/> gives (checked); <paramref name="labels"/> empty: no loss.</summary>
    protected abstract double ForwardBatch(DropoutKey? dropout, ReadOnlySpan<int> labels);

    /// <summary>The word ids of document <paramref name="document"/> of the last forward.</summary>
    protected int[] Words(int document) => _words[document];

    /// <summary>Records that the gradient row of word <paramref name="id"/> may be non-zero.</summary>
    protected void Mark(int id)
    {
        if (!_rowDirty[id])
        {
            _rowDirty[id] = true;
            _dirtyRows.Add(id);
        }
    }
}
