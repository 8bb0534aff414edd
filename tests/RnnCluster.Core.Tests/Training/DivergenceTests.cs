using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class DivergenceTests
{
    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(710.0 * 400)] // finite, but e^710 overflows: the epoch's perplexity would be ∞
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

    [Fact]
    public void A_step_whose_perplexity_is_large_but_finite_is_trained()
    {
        var loop = new TrainingLoop(new ModelSpec(CellType.Lstm, 5, 1, 4), new TrainingOptions(), 10);

        loop.Advance(new StepGradient(709.0 * 400, 400));

        Assert.Equal(1, loop.Step);
    }

    [Fact]
    public void The_overflow_message_names_the_mean_loss_per_token()
    {
        var loop = new TrainingLoop(new ModelSpec(CellType.Lstm, 5, 1, 4), new TrainingOptions(), 10);

        var e = Assert.Throws<InvalidOperationException>(() => loop.Advance(new StepGradient(1000.0 * 400, 400)));

        Assert.Equal("the training loss of epoch 1, step 1 is 1000.0 nats per token, a perplexity beyond 1.8e308: training diverged (try a lower --lr or --clip)", e.Message);
    }
}
