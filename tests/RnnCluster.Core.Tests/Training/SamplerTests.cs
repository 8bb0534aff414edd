using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class SamplerTests
{
    private const int Vocab = 13;

    private static (ModelSpec Spec, float[] Weights) Model(CellType cell = CellType.Lstm)
    {
        var spec = new ModelSpec(cell, Vocab, Layers: 1, Hidden: 10, InitScale: 0.7f);
        return (spec, TrainingTestData.InitializedModel(spec, 1, 1, seed: 31).Weights);
    }

    private static List<int> Sample(ModelSpec spec, float[] weights, ulong seed, float temperature, int count = 60, int[]? prompt = null)
    {
        var tokens = new List<int>();
        new Sampler(spec, weights, seed).Generate(prompt ?? [1, 2], count, temperature, tokens.Add);
        return tokens;
    }

    [Fact]
    public void The_same_seed_draws_the_same_tokens()
    {
        var (spec, weights) = Model();

        Assert.Equal(Sample(spec, weights, 5, 1f), Sample(spec, weights, 5, 1f));
    }

    [Fact]
    public void Different_seeds_draw_different_tokens()
    {
        var (spec, weights) = Model();

        Assert.NotEqual(Sample(spec, weights, 5, 1f), Sample(spec, weights, 6, 1f));
    }

    [Fact]
    public void Draws_exactly_count_tokens_within_the_vocabulary()
    {
        var (spec, weights) = Model(CellType.Gru);

        var tokens = Sample(spec, weights, 2, 1.5f, count: 37);

        Assert.Equal(37, tokens.Count);
        Assert.All(tokens, t => Assert.InRange(t, 0, Vocab - 1));
        Assert.True(tokens.Distinct().Count() > 3, "sampling at temperature 1.5 should not collapse onto a few tokens");
    }

    [Theory]
    [InlineData(CellType.Rnn, 1e-3f)]
    [InlineData(CellType.Gru, 1e-3f)]
    [InlineData(CellType.Lstm, 1e-5f)] // this model's closest top-two logits differ by 7e-4
    [InlineData(CellType.Lstm, 1e-6f)]
    public void A_tiny_temperature_picks_the_argmax_of_the_model_logits(CellType cell, float temperature)
    {
        var spec = new ModelSpec(cell, Vocab, Layers: 1, Hidden: 16, InitScale: 1f);
        var weights = TrainingTestData.InitializedModel(spec, 1, 1, seed: 31).Weights;
        var drawn = new HashSet<int>();
        for (ulong p = 0; p < 8; p++)
        {
            var prompt = TrainingTestData.RandomIds(3, Vocab, seed: 100 + p);
            var tokens = Sample(spec, weights, seed: p, temperature, count: 4, prompt);

            // Replay: feed the prompt and every drawn token, and check each draw was the logits' argmax.
            var model = new LanguageModel(spec, 1, 1, weights);
            var state = model.NewState(1);
            foreach (var id in prompt)
            {
                model.Forward([id], [], 1, 1, state, null);
            }

            for (var i = 0; i < tokens.Count; i++)
            {
                var logits = model.Logits(0).ToArray();
                var argmax = Array.IndexOf(logits, logits.Max());
                Assert.True(argmax == tokens[i],
                    $"prompt {p} token {i}: drew {tokens[i]} but the argmax is {argmax} (logits {string.Join(", ", logits.Select(l => l.ToString("F3")))})");
                model.Forward([tokens[i]], [], 1, 1, state, null);
            }

            drawn.UnionWith(tokens);
        }

        Assert.True(drawn.Count >= 3, $"greedy draws hit only {drawn.Count} distinct tokens, too few for the check to mean much");
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(2f)]
    [InlineData(0.5f)]
    public void Draw_frequencies_follow_the_softmax_of_logits_over_temperature(float temperature)
    {
        // Zero weights except the output bias: the logits are the bias whatever the state.
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f)];
        var (spec, weights) = BiasOnly(logits);
        var expected = logits.Select(l => Math.Exp(l / temperature)).ToArray();
        var total = expected.Sum();

        var tokens = Sample(spec, weights, 77, temperature, count: 6_000);

        for (var i = 0; i < logits.Length; i++)
        {
            var frequency = tokens.Count(t => t == i) / (double)tokens.Count;
            Assert.Equal(expected[i] / total, frequency, 0.025);
        }
    }

    [Fact]
    public void A_dominant_logit_too_large_for_exp_is_still_drawn()
    {
        // exp(120) overflows float: softmax must subtract the maximum first.
        var (spec, weights) = BiasOnly([0f, 120f, 0f]);

        var tokens = Sample(spec, weights, 3, 1f, count: 20);

        Assert.All(tokens, t => Assert.Equal(1, t));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void An_invalid_temperature_is_rejected_naming_the_flag(float temperature)
    {
        var (spec, weights) = Model();
        var sampler = new Sampler(spec, weights, 1);

        var e = Assert.Throws<ArgumentException>(() => sampler.Generate([1], 5, temperature, _ => { }));

        Assert.Contains("--temperature", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_prompt_is_rejected()
    {
        var (spec, weights) = Model();

        Assert.Throws<ArgumentException>(() => new Sampler(spec, weights, 1).Generate([], 5, 1f, _ => { }));
    }

    /// <summary>A model whose output is softmax(bias): every weight zero but the first logits of softmax.b.</summary>
    private static (ModelSpec Spec, float[] Weights) BiasOnly(float[] leadingLogits)
    {
        var spec = new ModelSpec(CellType.Rnn, Vocab, 1, 4);
        var layout = ParameterLayout.For(spec);
        var weights = new float[layout.Size];
        var bias = layout["softmax.b"].Of(weights);
        bias.Fill(-60f); // the other tokens: probability ≈ e^-60
        leadingLogits.CopyTo(bias);
        return (spec, weights);
    }
}
