using RnnCluster.Core.Models;
using RnnCluster.Core.Training;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Training;

public class EvaluatorTests(ITestOutputHelper output)
{
    private const int Vocab = 17;
    private static readonly int[] Sequence = TrainingTestData.RandomIds(401, Vocab, seed: 12);

    // A large init scale makes predictions depend strongly on the carried state.
    private static (ModelSpec Spec, float[] Weights) Model(CellType cell)
    {
        var spec = new ModelSpec(cell, Vocab, Layers: 2, Hidden: 12, InitScale: 0.8f);
        return (spec, TrainingTestData.InitializedModel(spec, 1, 1, seed: 6).Weights);
    }

    [Theory]
    [InlineData(CellType.Rnn)]
    [InlineData(CellType.Lstm)]
    [InlineData(CellType.Gru)]
    public void Perplexity_does_not_depend_on_the_window_length_because_state_is_carried(CellType cell)
    {
        var (spec, weights) = Model(cell);

        var short5 = Evaluator.Run(spec, weights, Sequence, batch: 1, bptt: 5);
        var long50 = Evaluator.Run(spec, weights, Sequence, batch: 1, bptt: 50);
        var single = Evaluator.Run(spec, weights, Sequence, batch: 1, bptt: 1);

        output.WriteLine($"{cell}: bptt 5 {short5.Perplexity:R}, bptt 50 {long50.Perplexity:R}, bptt 1 {single.Perplexity:R}");
        Assert.Equal(Sequence.Length - 1, short5.Tokens);
        Assert.Equal(short5.Tokens, long50.Tokens);
        Assert.Equal(1.0, short5.Perplexity / long50.Perplexity, 1e-5);
        Assert.Equal(1.0, single.Perplexity / long50.Perplexity, 1e-5);
    }

    [Theory]
    [InlineData(CellType.Rnn)]
    [InlineData(CellType.Lstm)]
    [InlineData(CellType.Gru)]
    public void Resetting_the_state_each_window_would_change_the_perplexity(CellType cell)
    {
        // The control that makes the window-length test meaningful: the state does matter here.
        var (spec, weights) = Model(cell);
        var model = new LanguageModel(spec, 1, 5, weights);
        double loss = 0;
        for (var start = 0; start + 1 < Sequence.Length; start += 5)
        {
            var steps = Math.Min(5, Sequence.Length - 1 - start);
            loss += model.Forward(Sequence.AsSpan(start, steps), Sequence.AsSpan(start + 1, steps), steps, 1, model.NewState(1), null);
        }

        var resetPpl = Math.Exp(loss / (Sequence.Length - 1));
        var carried = Evaluator.Run(spec, weights, Sequence, 1, 5).Perplexity;

        output.WriteLine($"{cell}: carried {carried:F5}, reset every window {resetPpl:F5}");
        Assert.True(Math.Abs((resetPpl / carried) - 1) > 1e-3);
    }

    [Fact]
    public void Loss_is_the_mean_cross_entropy_and_perplexity_its_exponential()
    {
        var (spec, weights) = Model(CellType.Lstm);

        var result = Evaluator.Run(spec, weights, Sequence, batch: 4, bptt: 7);

        Assert.Equal(4 * ((Sequence.Length / 4) - 1), result.Tokens);
        Assert.Equal(result.LossSum / result.Tokens, result.Loss);
        Assert.Equal(Math.Exp(result.Loss), result.Perplexity);
    }

    [Fact]
    public void Zero_weights_give_the_vocabulary_size_as_perplexity()
    {
        var spec = new ModelSpec(CellType.Gru, Vocab, 1, 4);

        var result = Evaluator.Run(spec, new float[ParameterLayout.For(spec).Size], Sequence, 3, 8);

        Assert.Equal(Vocab, result.Perplexity, 1e-4);
    }

    [Fact]
    public void Reports_every_window_to_the_callback()
    {
        var (spec, weights) = Model(CellType.Rnn);
        var seen = new List<(int Done, int Total)>();

        Evaluator.Run(spec, weights, Sequence, 1, 50, (done, total) => seen.Add((done, total)));

        Assert.Equal(Enumerable.Range(1, 8).Select(i => (i, 8)), seen); // 400 targets / 50
    }

    [Fact]
    public void Too_few_tokens_for_the_batch_are_rejected()
    {
        var (spec, weights) = Model(CellType.Rnn);

        var e = Assert.Throws<ArgumentException>(() => Evaluator.Run(spec, weights, [1, 2, 3], batch: 2, bptt: 5));

        Assert.Contains("batch 2", e.Message, StringComparison.Ordinal);
    }
}
