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

    [Fact]
    public void A_model_too_large_for_one_array_is_rejected_before_allocation()
    {
        var spec = new ModelSpec(CellType.Lstm, 10_000, 4, 8192);

        var e = Assert.Throws<ArgumentException>(spec.Validate);

        Assert.Contains("parameters", e.Message, StringComparison.Ordinal);
        Assert.Contains("--hidden", e.Message, StringComparison.Ordinal);
    }
}
