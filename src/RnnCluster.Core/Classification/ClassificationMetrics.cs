namespace RnnCluster.Core.Classification;

/// <summary>
/// Scores of predicted classes against true ones over K classes: the confusion matrix
/// (<see cref="Confusion"/>[true][predicted], counts), accuracy, and per class precision = TP / (TP + FP),
/// recall = TP / (TP + FN) and F1 = 2PR / (P + R) (0 when undefined). Macro-F1 is the unweighted mean
/// of F1 over the classes that occur among the true or the predicted classes, as scikit-learn's
/// <c>f1_score(average="macro")</c> with its default labels.
/// </summary>
public sealed class ClassificationMetrics
{
    /// <param name="truth">True class ids, one per document.</param>
    /// <param name="predicted">Predicted class ids, as many.</param>
    /// <param name="classes">K.</param>
    /// <exception cref="ArgumentException">When the lengths differ, there are no documents, or an id is outside [0, K).</exception>
    public ClassificationMetrics(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, int classes)
        : this(Count(truth, predicted, classes))
    {
    }

    /// <param name="confusion">(K, K) counts, row = true class, column = predicted class (kept, not copied).</param>
    /// <exception cref="ArgumentException">When the matrix is not square, a count is negative, or it counts no document.</exception>
    public ClassificationMetrics(long[][] confusion)
    {
        var classes = confusion.Length;
        if (classes == 0 || confusion.Any(row => row.Length != classes || row.Any(c => c < 0)) || confusion.Sum(row => row.Sum()) == 0)
        {
            throw new ArgumentException($"a confusion matrix must be K×K counts of at least one document (got {classes} rows)");
        }

        Confusion = confusion;
        Documents = confusion.Sum(row => row.Sum());
        Precision = new double[classes];
        Recall = new double[classes];
        F1 = new double[classes];
        Support = new long[classes];
        long correct = 0;
        var scored = 0;
        double f1Sum = 0;
        for (var k = 0; k < classes; k++)
        {
            var tp = Confusion[k][k];
            var actual = Confusion[k].Sum();
            var predictedK = Confusion.Sum(row => row[k]);
            correct += tp;
            Support[k] = actual;
            Precision[k] = predictedK == 0 ? 0 : (double)tp / predictedK;
            Recall[k] = actual == 0 ? 0 : (double)tp / actual;
            F1[k] = Precision[k] + Recall[k] == 0 ? 0 : 2 * Precision[k] * Recall[k] / (Precision[k] + Recall[k]);
            if (actual > 0 || predictedK > 0)
            {
                scored++;
                f1Sum += F1[k];
            }
        }

        Accuracy = (double)correct / Documents;
        MacroF1 = f1Sum / scored;
    }

    private static long[][] Count(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, int classes)
    {
        if (truth.Count != predicted.Count || truth.Count == 0)
        {
            throw new ArgumentException($"{truth.Count} true and {predicted.Count} predicted classes: need as many of each, at least one");
        }

        var confusion = Enumerable.Range(0, classes).Select(_ => new long[classes]).ToArray();
        for (var i = 0; i < truth.Count; i++)
        {
            if ((uint)truth[i] >= (uint)classes || (uint)predicted[i] >= (uint)classes)
            {
                throw new ArgumentException($"document {i}: class {truth[i]} or {predicted[i]} outside [0, {classes})");
            }

            confusion[truth[i]][predicted[i]]++;
        }

        return confusion;
    }

    /// <summary>Documents scored.</summary>
    public long Documents { get; }

    /// <summary>Correct predictions ÷ documents, in [0, 1].</summary>
    public double Accuracy { get; }

    /// <summary>Mean F1 over the classes that occur (true or predicted), in [0, 1].</summary>
    public double MacroF1 { get; }

    /// <summary>Per class, in [0, 1].</summary>
    public double[] Precision { get; }

    public double[] Recall { get; }

    public double[] F1 { get; }

    /// <summary>Documents of each true class.</summary>
    public long[] Support { get; }

    /// <summary>(K, K) counts: row = true class, column = predicted class.</summary>
    public long[][] Confusion { get; }
}
