using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class DivergenceTests
{
    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_step_whose_loss_is_not_finite_stops_as_diverged_before_touching_the_weights(double loss)
    {
        var loop = new TrainingLoop(new ModelSpec(CellType.Lstm, 5, 1, 4), new TrainingOptions(), 10);
        var before = (float[])loop.Weights.Clone();
        var gradient = new float[loop.Weights.Length];
        Array.Fill(gradient, 0.01f);

        var e = Assert.Throws<InvalidOperationException>(() => loop.Apply(gradient, new StepGradient(loss, 400)));

        Assert.StartsWith("the training loss of epoch 1, step 1 is", e.Message, StringComparison.Ordinal);
        Assert.Contains("training diverged", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, loop.Weights);
        Assert.Equal(0, loop.Step);
        Assert.Throws<InvalidOperationException>(() => loop.Advance(new StepGradient(loss, 400)));
    }
}
