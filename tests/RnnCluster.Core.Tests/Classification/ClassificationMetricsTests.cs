using RnnCluster.Core.Classification;

namespace RnnCluster.Core.Tests.Classification;

public sealed class ClassificationMetricsTests
{
    [Fact]
    public void Computes_accuracy_per_class_scores_and_macro_f1_by_hand()
    {
        // true:      0 0 0 1 1 2
        // predicted: 0 0 1 1 0 1    (class 2 never predicted)
        var m = new ClassificationMetrics([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 0, 1], 4);
        Assert.Equal(3.0 / 6, m.Accuracy, 12);
        Assert.Equal([2L, 1, 0, 0], m.Confusion[0]);
        Assert.Equal([0L, 1, 0, 0], m.Confusion[2]);
        Assert.Equal(2.0 / 3, m.Precision[0], 12);  // TP 2, FP 1
        Assert.Equal(2.0 / 3, m.Recall[0], 12);     // FN 1
        Assert.Equal(1.0 / 3, m.Precision[1], 12);  // TP 1, FP 2
        Assert.Equal(0.5, m.Recall[1], 12);
        Assert.Equal(0.4, m.F1[1], 12);
        Assert.Equal(0, m.F1[2]);
        Assert.Equal([3L, 2, 1, 0], m.Support);
        // class 3 neither occurs nor is predicted: it is left out of the mean, as scikit-learn does
        Assert.Equal(((2.0 / 3) + 0.4 + 0) / 3, m.MacroF1, 12);
    }

    [Fact]
    public void Refuses_mismatched_or_out_of_range_input()
    {
        Assert.Throws<ArgumentException>(() => new ClassificationMetrics([0, 1], [0], 2));
        Assert.Throws<ArgumentException>(() => new ClassificationMetrics([], [], 2));
        Assert.Throws<ArgumentException>(() => new ClassificationMetrics([2], [0], 2));
    }
}
