using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Training;

/// <summary>
/// DESIGN §5: the differentiated loss is the sum over the window's time steps of the batch-mean
/// cross-entropy, i.e. Σ CE / B, which is what <c>lossScale = 1/B</c> must produce.
/// </summary>
public class LossScalingTests(ITestOutputHelper output)
{
    private const int Batch = 5;
    private const int Bptt = 7;
    private const ulong Seed = 29;
    private static readonly int[] Ids = TrainingTestData.RandomIds(Batch * 30, 19, seed: 8);

    [Theory]
    [InlineData(CellType.Rnn, 0f)]
    [InlineData(CellType.Lstm, 0f)]
    [InlineData(CellType.Gru, 0f)]
    [InlineData(CellType.Lstm, 0.3f)]
    public void Gradient_with_scale_one_over_b_is_the_derivative_of_the_summed_batch_mean_cross_entropy(CellType cell, float dropout)
    {
        var spec = new ModelSpec(cell, 19, Layers: 2, Hidden: 9, Dropout: dropout, InitScale: 0.3f);
        var model = TrainingTestData.InitializedModel(spec, Batch, Bptt, Seed);
        var streams = new BatchStreams(Ids, Batch);
        var shard = new ShardGradient(model, streams, 0, Bptt);
        shard.Compute(0, 0, Seed, 1f / Batch);            // window 0 only sets the carried state
        var start = model.NewState(Batch);
        start.CopyFrom(shard.State);
        const long step = 1;
        shard.Compute(1, step, Seed, 1f / Batch);
        var gradient = (float[])model.Gradients.Clone();

        // L(w) = Σ_t mean_b CE(t, b) on window 1 from the same carried state and dropout masks.
        var inputs = new int[Batch * Bptt];
        var targets = new int[Batch * Bptt];
        streams.FillWindow(1, Bptt, 0, Batch, inputs, targets);
        var key = dropout > 0 ? new DropoutKey(Seed, step, 0) : (DropoutKey?)null;
        double Loss()
        {
            var state = model.NewState(Batch);
            state.CopyFrom(start);
            return model.Forward(inputs, targets, Bptt, Batch, state, key) / Batch;
        }

        // Directional derivative along the unit gradient direction d: ∇L·d = ‖∇L‖.
        var norm = Math.Sqrt(gradient.Sum(g => (double)g * g));
        const double epsilon = 1e-2;
        var weights = model.Weights;
        var original = (float[])weights.Clone();
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(original[i] + (epsilon * gradient[i] / norm));
        }

        var plus = Loss();
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(original[i] - (epsilon * gradient[i] / norm));
        }

        var minus = Loss();
        original.CopyTo(weights, 0);
        var numeric = (plus - minus) / (2 * epsilon);

        output.WriteLine($"‖∇L‖ analytic {norm:F6}, finite difference {numeric:F6}");
        Assert.Equal(1.0, numeric / norm, 0.02);
    }

    [Fact]
    public void Gradient_with_scale_one_over_b_is_the_scale_one_gradient_divided_by_b()
    {
        var spec = new ModelSpec(CellType.Lstm, 19, 1, 9, Dropout: 0.2f, InitScale: 0.3f);
        var unit = TrainingTestData.InitializedModel(spec, Batch, Bptt, Seed);
        var scaled = TrainingTestData.InitializedModel(spec, Batch, Bptt, Seed);
        var (unitLoss, unitTokens) = new ShardGradient(unit, new BatchStreams(Ids, Batch), 0, Bptt).Compute(0, 3, Seed, 1f);
        var (scaledLoss, scaledTokens) = new ShardGradient(scaled, new BatchStreams(Ids, Batch), 0, Bptt).Compute(0, 3, Seed, 1f / Batch);

        var expected = unit.Gradients.Select(g => g / Batch).ToArray();
        Assert.True(TrainingTestData.RelativeDifference(expected, scaled.Gradients) < 1e-6);
        Assert.Equal(unitLoss, scaledLoss); // the returned loss is the unscaled Σ CE
        Assert.Equal(Batch * Bptt, unitTokens);
        Assert.Equal(unitTokens, scaledTokens);
    }

    [Fact]
    public void Returned_loss_is_the_summed_cross_entropy_in_nats()
    {
        // Zero weights predict uniformly: every token costs exactly ln V.
        var spec = new ModelSpec(CellType.Gru, 19, 1, 4);
        var model = new LanguageModel(spec, Batch, Bptt);
        var (loss, tokens) = new ShardGradient(model, new BatchStreams(Ids, Batch), 0, Bptt).Compute(0, 0, Seed, 1f / Batch);

        Assert.Equal(Batch * Bptt, tokens);
        Assert.Equal(tokens * Math.Log(19), loss, 1e-4);
    }
}
