using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Models;

public sealed class GradientFlowTests
{
    private static readonly TextDataset Data = BuiltInCorpus.Dataset(20_000, 4_000, seed: 3);

    private static GradientFlow.Result Probe(CellType cell, float forgetBias = 0f)
    {
        var spec = new ModelSpec(cell, Data.Vocabulary.Count, Layers: 1, Hidden: 16, InitScale: 0.3f, ForgetBias: forgetBias);
        var model = new LanguageModel(spec, maxBatch: 4, maxSteps: 25);
        model.Initialize(5);
        return GradientFlow.Measure(model, Data.Valid, steps: 25, batch: 4, windows: 5, cell.Name(), "init");
    }

    [Fact]
    public void A_vanilla_rnn_gradient_vanishes_with_the_lag()
    {
        var rnn = Probe(CellType.Rnn);

        Assert.Equal(25, rnn.HiddenNorms.Length);
        Assert.Null(rnn.CellNorms);
        Assert.All(rnn.HiddenNorms, n => Assert.True(n > 0 && double.IsFinite(n)));
        Assert.True(rnn.HiddenNorms[20] < rnn.HiddenNorms[1] * 1e-3, $"lag 20 {rnn.HiddenNorms[20]:E2} against lag 1 {rnn.HiddenNorms[1]:E2}");
    }

    [Fact]
    public void An_lstm_cell_with_an_open_forget_gate_keeps_far_more_of_it()
    {
        var rnn = Probe(CellType.Rnn);
        var lstm = Probe(CellType.Lstm, forgetBias: 3f);

        Assert.NotNull(lstm.CellNorms);
        var rnnRatio = rnn.HiddenNorms[20] / rnn.HiddenNorms[1];
        var cellRatio = lstm.CellNorms![20] / lstm.CellNorms[1];
        Assert.True(cellRatio > rnnRatio * 1e3, $"LSTM cell lag 20/1 {cellRatio:E2} against the RNN's {rnnRatio:E2}");
    }

    [Fact]
    public void The_probe_leaves_training_untouched()
    {
        var spec = new ModelSpec(CellType.Gru, Data.Vocabulary.Count, Layers: 2, Hidden: 8);
        var model = new LanguageModel(spec, maxBatch: 2, maxSteps: 6);
        model.Initialize(1);
        var inputs = Data.Train.AsSpan(0, 12).ToArray();
        var targets = Data.Train.AsSpan(1, 12).ToArray();
        model.ZeroGradients();
        model.Forward(inputs, targets, 6, 2, model.NewState(2), dropout: null);
        model.Backward(1f);
        var expected = (float[])model.Gradients.Clone();

        GradientFlow.Measure(model, Data.Valid, steps: 6, batch: 2, windows: 2, "gru", "init");
        model.ZeroGradients();
        model.Forward(inputs, targets, 6, 2, model.NewState(2), dropout: null);
        model.Backward(1f);

        Assert.Equal(expected, model.Gradients);
    }
}
