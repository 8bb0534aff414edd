using RnnCluster.Core.Models;

namespace RnnCluster.Core.Classification;

/// <summary>Scores a trained classifier on labelled documents: mean cross-entropy and the <see cref="ClassificationMetrics"/> of its argmax predictions.</summary>
public static class ClassifierEvaluator
{
    /// <summary>Documents per forward pass.</summary>
    public const int Batch = 256;

    /// <summary>(Σ −log ŷ[label] in nats, documents, metrics); <see cref="Perplexity"/> is exp of the mean loss.</summary>
    public sealed record Result(double LossSum, long Documents, ClassificationMetrics Metrics)
    {
        /// <summary>Mean cross-entropy in nats per document.</summary>
        public double Loss => LossSum / Documents;

        /// <summary>exp(mean cross-entropy): the classifier's perplexity over its classes (K for a uniform guess).</summary>
        public double Perplexity => Math.Exp(Loss);
    }

    /// <exception cref="ArgumentException">When there are no documents or the weights do not fit the spec.</exception>
    public static Result Run(ModelSpec spec, float[] weights, IReadOnlyList<Document> documents)
    {
        if (documents.Count == 0)
        {
            throw new ArgumentException("no documents to evaluate");
        }

        var predictions = Predict(spec, weights, documents, (d, logits) => LogSoftmaxAt(logits, documents[d].Label), out var losses);
        return new Result(losses.Sum(), documents.Count, new ClassificationMetrics([.. documents.Select(d => d.Label)], predictions, spec.Classes));
    }

    /// <summary>
    /// The class probabilities ŷ (K) of each document, handed to <paramref name="onDocument"/> (index, probabilities;
    /// the span is reused). Returns the argmax class of each.
    /// </summary>
    public static int[] Probabilities(ModelSpec spec, float[] weights, IReadOnlyList<Document> documents, Action<int, ReadOnlySpan<float>> onDocument)
    {
        var probabilities = new float[spec.Classes];
        return Predict(spec, weights, documents, (d, logits) =>
        {
            var max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
            System.Numerics.Tensors.TensorPrimitives.Subtract(logits, max, probabilities);
            System.Numerics.Tensors.TensorPrimitives.Exp(probabilities, probabilities);
            var sum = System.Numerics.Tensors.TensorPrimitives.Sum(probabilities);
            System.Numerics.Tensors.TensorPrimitives.Multiply(probabilities, 1f / sum, probabilities);
            onDocument(d, probabilities);
            return 0;
        }, out _);
    }

    private delegate double LogitsVisitor(int document, ReadOnlySpan<float> logits);

    private static int[] Predict(ModelSpec spec, float[] weights, IReadOnlyList<Document> documents, LogitsVisitor visit, out double[] values)
    {
        var model = DocumentClassifiers.Create(spec, Math.Min(Batch, documents.Count), weights);
        var all = documents as Document[] ?? [.. documents];
        var predictions = new int[all.Length];
        values = new double[all.Length];
        for (var start = 0; start < all.Length; start += Batch)
        {
            var count = Math.Min(Batch, all.Length - start);
            model.Forward(all.AsSpan(start, count), null, withLoss: false);
            for (var i = 0; i < count; i++)
            {
                var logits = model.Logits(i);
                predictions[start + i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
                values[start + i] = visit(start + i, logits);
            }
        }

        return predictions;
    }

    /// <summary>−log softmax(logits)[target], computed stably.</summary>
    private static double LogSoftmaxAt(ReadOnlySpan<float> logits, int target)
    {
        double max = System.Numerics.Tensors.TensorPrimitives.Max(logits), sum = 0;
        foreach (var z in logits)
        {
            sum += Math.Exp(z - max);
        }

        return Math.Log(sum) + max - logits[target];
    }
}
