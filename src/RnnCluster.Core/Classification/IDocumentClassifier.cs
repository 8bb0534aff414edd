using RnnCluster.Core.Models;

namespace RnnCluster.Core.Classification;

/// <summary>
/// A document classifier's forward and backward passes over a batch of documents (see
/// <see cref="BagOfWordsClassifier"/> and <see cref="RecurrentClassifier"/>), on weights and gradients
/// laid out by <see cref="ParameterLayout.For"/>; the embedding gradient is sparse (the rows of the
/// words the batch holds).
/// </summary>
public interface IDocumentClassifier
{
    ModelSpec Spec { get; }

    ParameterLayout Layout { get; }

    /// <summary>The weights computed on, (layout size) floats.</summary>
    float[] Weights { get; }

    /// <summary>The gradient of the <see cref="Backward"/>s since <see cref="ZeroGradients"/>, (layout size) floats.</summary>
    float[] Gradients { get; }

    /// <summary>The embedding rows whose gradient may be non-zero (unordered); the rest of the embedding gradient is zero.</summary>
    IReadOnlyList<int> DirtyEmbeddingRows { get; }

    /// <summary>Zeroes the dense part of <see cref="Gradients"/> and the embedding rows that may be non-zero.</summary>
    void ZeroGradients();

    /// <summary>Records that the gradient rows of these word ids may be non-zero (written outside a backward pass).</summary>
    void MarkEmbeddingRows(IEnumerable<int> ids);

    /// <summary>
    /// Runs <paramref name="documents"/> forward. With <paramref name="withLoss"/> returns Σ −log ŷ[label]
    /// in nats and keeps what <see cref="Backward"/> needs; without, leaves the raw logits for
    /// <see cref="Logits"/> and returns 0. Dropout applies only when <paramref name="dropout"/> is given.
    /// </summary>
    /// <exception cref="ArgumentException">More documents than the workspace holds, or a word or label id out of range.</exception>
    double Forward(Document[] documents, DropoutKey? dropout, bool withLoss);

    /// <summary>Backward of <c>lossScale · Σ −log ŷ[label]</c> of the last <see cref="Forward"/> with loss; accumulates into <see cref="Gradients"/>.</summary>
    void Backward(float lossScale);

    /// <summary>The raw logits (K) of document <paramref name="document"/> of the last forward without loss.</summary>
    ReadOnlySpan<float> Logits(int document);
}
