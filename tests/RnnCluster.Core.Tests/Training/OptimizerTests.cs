using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class OptimizerTests
{
    [Fact]
    public void Sgd_subtracts_lr_times_gradient()
    {
        float[] w = [1f, 2f, -3f];

        new SgdOptimizer().Step(w, [0.5f, -1f, 2f], 0.1f);

        AssertClose([0.95f, 2.1f, -3.2f], w);
    }

    [Fact]
    public void Momentum_accumulates_velocity_then_steps_by_lr_times_velocity()
    {
        var optimizer = new MomentumOptimizer(2, momentum: 0.9f);
        float[] w = [1f, -1f];

        optimizer.Step(w, [1f, 2f], 0.1f);
        AssertClose([0.9f, -1.2f], w);          // v = g₁ = (1, 2)

        optimizer.Step(w, [-1f, 0.5f], 0.1f);
        AssertClose([0.91f, -1.43f], w);        // v = 0.9·(1, 2) + (−1, 0.5) = (−0.1, 2.3)
        AssertClose([-0.1f, 2.3f], optimizer.State["momentum"]);
    }

    [Fact]
    public void Adam_matches_hand_computed_bias_corrected_steps()
    {
        var optimizer = new AdamOptimizer(3);
        float[] w = [1f, -2f, 0.5f];

        // Step 1: m̂ = g, v̂ = g², so every moving weight moves by lr·sign(g); a zero gradient moves nothing.
        optimizer.Step(w, [0.1f, -0.2f, 0f], 0.01f);
        AssertClose([0.99f, -1.99f, 0.5f], w);

        // Step 2: m = (0.039, −0.008, −0.05), v = (9.999e-5, 4.996e-5, 2.5e-4);
        // w −= lr·(m / 0.19) / sqrt(v / 0.001999).
        optimizer.Step(w, [0.3f, 0.1f, -0.5f], 0.01f);
        AssertClose([0.9808222f, -1.9873366f, 0.5074414f], w);
        AssertClose([0.039f, -0.008f, -0.05f], optimizer.State["adam.m"]);
        AssertClose([9.999e-5f, 4.996e-5f, 2.5e-4f], optimizer.State["adam.v"]);
        Assert.Equal([2f], optimizer.State["adam.t"]);
    }

    [Theory]
    [InlineData("sgd", typeof(SgdOptimizer))]
    [InlineData("momentum", typeof(MomentumOptimizer))]
    [InlineData("Adam", typeof(AdamOptimizer))]
    public void Create_builds_the_named_optimizer_ignoring_case(string name, Type type)
    {
        var optimizer = Optimizers.Create(name, 4);

        Assert.IsType(type, optimizer);
        Assert.Equal(name.ToLowerInvariant(), optimizer.Name);
    }

    [Fact]
    public void Create_rejects_an_unknown_name_and_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => Optimizers.Create("rmsprop", 4));

        Assert.Contains("rmsprop", e.Message, StringComparison.Ordinal);
        Assert.Contains("adam", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("momentum")]
    [InlineData("adam")]
    public void Restored_state_continues_exactly_like_the_original_optimizer(string name)
    {
        var original = Optimizers.Create(name, 3);
        float[] w = [0.5f, -0.25f, 1f];
        original.Step(w, [0.1f, 0.2f, -0.3f], 0.05f);
        original.Step(w, [-0.4f, 0.1f, 0.2f], 0.05f);
        var saved = original.State.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone());

        var restored = Optimizers.Create(name, 3);
        Optimizers.Restore(restored, saved);
        var w1 = (float[])w.Clone();
        var w2 = (float[])w.Clone();
        original.Step(w1, [0.3f, -0.3f, 0.1f], 0.05f);
        restored.Step(w2, [0.3f, -0.3f, 0.1f], 0.05f);

        Assert.True(TrainingTestData.BitIdentical(w1, w2));
        var fresh = (float[])w.Clone();
        Optimizers.Create(name, 3).Step(fresh, [0.3f, -0.3f, 0.1f], 0.05f);
        Assert.False(TrainingTestData.BitIdentical(w1, fresh), "the state made no difference, so the round trip proves nothing");
    }

    [Fact]
    public void Restore_copies_values_instead_of_aliasing_the_saved_arrays()
    {
        var optimizer = new MomentumOptimizer(2);
        var saved = new Dictionary<string, float[]> { ["momentum"] = [1f, 2f] };

        Optimizers.Restore(optimizer, saved);
        saved["momentum"][0] = 99f;

        Assert.Equal([1f, 2f], optimizer.State["momentum"]);
    }

    [Fact]
    public void Restore_rejects_state_of_another_optimizer_naming_the_missing_array()
    {
        var adamState = new AdamOptimizer(3).State;

        var e = Assert.Throws<ArgumentException>(() => Optimizers.Restore(new MomentumOptimizer(3), adamState));

        Assert.Contains("'momentum'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_rejects_state_of_the_wrong_length()
    {
        var saved = new Dictionary<string, float[]> { ["momentum"] = new float[4] };

        var e = Assert.Throws<ArgumentException>(() => Optimizers.Restore(new MomentumOptimizer(3), saved));

        Assert.Contains("'momentum'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sgd_has_no_state_and_restores_from_nothing()
    {
        var sgd = new SgdOptimizer();

        Optimizers.Restore(sgd, new Dictionary<string, float[]>());

        Assert.Empty(sgd.State);
    }

    private static void AssertClose(float[] expected, IReadOnlyList<float> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f + (1e-5f * Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
