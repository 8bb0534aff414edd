using RnnCluster.Core.Models;

namespace RnnCluster.Core.Tests.Models;

public class ModelSpecTests
{
    [Theory]
    [InlineData(CellType.Rnn, 7, 1, 5)]
    [InlineData(CellType.Lstm, 10_000, 2, 200)]
    [InlineData(CellType.Gru, 65, 3, 256)]
    public void Parameter_count_is_the_layout_size(CellType cell, int vocab, int layers, int hidden)
    {
        var spec = new ModelSpec(cell, vocab, layers, hidden);

        Assert.Equal(ParameterLayout.For(spec).Size, spec.ParameterCount);
    }

    [Fact]
    public void Ptb_small_lstm_has_the_reference_parameter_count()
        => Assert.Equal(4_653_200, new ModelSpec(CellType.Lstm, 10_000, 2, 200).ParameterCount);

    [Theory]
    [InlineData(CellType.Rnn, 7, 1, 5)]
    [InlineData(CellType.Lstm, 10_000, 2, 200)]
    public void Tied_weights_drop_the_softmax_matrix_and_make_the_embedding_dense(CellType cell, int vocab, int layers, int hidden)
    {
        var untied = new ModelSpec(cell, vocab, layers, hidden);
        var tied = untied with { TieWeights = true };
        var layout = ParameterLayout.For(tied);

        Assert.Equal(layout.Size, tied.ParameterCount);
        Assert.Equal(untied.ParameterCount - ((long)vocab * hidden), tied.ParameterCount);
        Assert.DoesNotContain(layout.Tensors, t => t.Name == "softmax.w");
        Assert.Equal(0, layout.SparseRowsLength);
        Assert.Equal(vocab * hidden, ParameterLayout.For(untied).SparseRowsLength);
    }

    [Fact]
    public void Ptb_small_lstm_tied_has_two_million_fewer_parameters()
        => Assert.Equal(2_653_200, new ModelSpec(CellType.Lstm, 10_000, 2, 200) { TieWeights = true }.ParameterCount);

    [Fact]
    public void A_classifier_cannot_tie_weights()
    {
        var spec = new ModelSpec(CellType.Bow, 50, 1, 8) { Classes = 3, TieWeights = true };

        var e = Assert.Throws<ArgumentException>(spec.Validate);

        Assert.StartsWith("--tie-weights applies to language models only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_too_large_for_one_array_is_rejected_before_allocation()
    {
        var spec = new ModelSpec(CellType.Lstm, 10_000, 4, 8192);

        var e = Assert.Throws<ArgumentException>(spec.Validate);

        Assert.Contains("parameters", e.Message, StringComparison.Ordinal);
        Assert.Contains("--hidden", e.Message, StringComparison.Ordinal);
    }
}
