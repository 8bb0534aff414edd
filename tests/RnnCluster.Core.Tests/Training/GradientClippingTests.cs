using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class GradientClippingTests
{
    [Fact]
    public void Above_the_maximum_the_gradient_is_scaled_to_the_maximum_norm_and_the_old_norm_is_returned()
    {
        float[] g = [3f, 4f, 0f, -12f]; // norm 13

        var norm = GradientClipping.ClipGlobalNorm(g, 6.5f);

        Assert.Equal(13.0, norm, 1e-9);
        Assert.Equal([1.5f, 2f, 0f, -6f], g);
        Assert.Equal(6.5, Math.Sqrt(g.Sum(x => (double)x * x)), 1e-6);
    }

    [Fact]
    public void Clipping_keeps_the_direction_of_a_large_random_gradient()
    {
        var g = TrainingTestData.RandomIds(10_000, 1000, 5).Select(i => (i - 500) / 7f).ToArray();
        var before = (float[])g.Clone();

        var norm = GradientClipping.ClipGlobalNorm(g, 5f);

        Assert.True(norm > 5);
        Assert.Equal(5.0, Math.Sqrt(g.Sum(x => (double)x * x)), 1e-4);
        var scaledBack = g.Select(x => (float)(x * norm / 5)).ToArray();
        Assert.True(TrainingTestData.RelativeDifference(before, scaledBack) < 1e-6);
    }

    [Theory]
    [InlineData(13f)]
    [InlineData(100f)]
    [InlineData(0f)] // 0 disables clipping
    public void At_or_below_the_maximum_or_with_clipping_off_the_gradient_is_untouched(float maxNorm)
    {
        float[] g = [3f, 4f, 0f, -12f];

        var norm = GradientClipping.ClipGlobalNorm(g, maxNorm);

        Assert.Equal(13.0, norm, 1e-9);
        Assert.Equal([3f, 4f, 0f, -12f], g);
    }

    [Fact]
    public void Parameter_update_clips_before_the_optimizer_step()
    {
        float[] w = [1f, 1f];
        float[] g = [30f, 40f];

        var norm = ParameterUpdate.Apply(w, g, new SgdOptimizer(), 0.1f, 5f);

        Assert.Equal(50.0, norm, 1e-9);
        Assert.Equal(1f - (0.1f * 3f), w[0], 1e-6f);
        Assert.Equal(1f - (0.1f * 4f), w[1], 1e-6f);
    }

    [Fact]
    public void Parameter_update_refuses_a_non_finite_gradient_and_leaves_weights_alone()
    {
        float[] w = [1f, 2f];
        float[] g = [float.NaN, 1f];

        var e = Assert.Throws<InvalidOperationException>(() => ParameterUpdate.Apply(w, g, new SgdOptimizer(), 0.1f, 5f));

        Assert.Contains("diverged", e.Message, StringComparison.Ordinal);
        Assert.Equal([1f, 2f], w);
    }
}
