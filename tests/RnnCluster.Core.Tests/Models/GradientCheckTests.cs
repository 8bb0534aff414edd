using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Models;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Models;

public class GradientCheckTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(CellType.Rnn, 0f)]
    [InlineData(CellType.Lstm, 0f)]
    [InlineData(CellType.Gru, 0f)]
    [InlineData(CellType.Rnn, 0.3f)]
    [InlineData(CellType.Lstm, 0.3f)]
    [InlineData(CellType.Gru, 0.3f)]
    public void Backward_matches_central_finite_differences(CellType cell, float dropout)
    {
        var result = GradientCheck.Run(cell, layers: 2, dropout: dropout);
        foreach (var t in result.Tensors)
        {
            output.WriteLine($"{t.Tensor,-16} n={t.Count,4} rel={t.MaxRelativeError:E2} abs={t.MaxAbsoluteError:E2}");
        }

        Assert.All(result.Tensors, t => Assert.True(t.MaxRelativeError < GradientCheck.DefaultTolerance, $"{t.Tensor}: {t.MaxRelativeError:E2}"));
    }

    [Theory]
    [InlineData(CellType.Rnn, 0f)]
    [InlineData(CellType.Lstm, 0.3f)]
    [InlineData(CellType.Gru, 0.3f)]
    public void Tied_backward_matches_central_finite_differences(CellType cell, float dropout)
    {
        // The embedding's gradient holds both the input rows' part and the softmax's part (dE = Pᵀh).
        var result = GradientCheck.Run(cell, layers: 2, dropout: dropout, tieWeights: true);

        Assert.True(result.Spec.TieWeights);
        Assert.DoesNotContain(result.Tensors, t => t.Tensor == "softmax.w");
        Assert.All(result.Tensors, t => Assert.True(t.MaxRelativeError < GradientCheck.DefaultTolerance, $"{t.Tensor}: {t.MaxRelativeError:E2}"));
    }

    [Fact]
    public void Tied_check_fails_when_the_embedding_gradient_misses_the_softmax_part()
    {
        // Backprop that forgot the output projection's contribution to E: the check must see it.
        var result = GradientCheck.Run(CellType.Lstm, 2, 0f, 7, GradientCheck.DefaultTolerance,
            (model, g) => model.Layout["embedding"].Of(g).Clear(), tieWeights: true);

        Assert.False(result.Passed);
        Assert.Equal("embedding", result.Tensors.MaxBy(t => t.MaxRelativeError)!.Tensor);
    }

    [Theory]
    [InlineData(CellType.Bow, 1, 0f)]
    [InlineData(CellType.Bow, 2, 0.3f)]
    [InlineData(CellType.Rnn, 1, 0f)]
    [InlineData(CellType.Lstm, 2, 0.3f)]
    [InlineData(CellType.Gru, 2, 0f)]
    [InlineData(CellType.Gru, 1, 0.3f)]
    public void Classifier_backward_matches_central_finite_differences(CellType cell, int layers, float dropout)
    {
        var result = GradientCheck.RunClassifier(cell, layers, dropout);
        foreach (var t in result.Tensors)
        {
            output.WriteLine($"{t.Tensor,-16} n={t.Count,4} rel={t.MaxRelativeError:E2} abs={t.MaxAbsoluteError:E2}");
        }

        Assert.Equal(3, result.Spec.Classes);
        Assert.All(result.Tensors, t => Assert.True(t.MaxRelativeError < GradientCheck.DefaultTolerance, $"{t.Tensor}: {t.MaxRelativeError:E2}"));
    }

    [Theory]
    [InlineData("layer0.w_h")]
    [InlineData("embedding")]
    [InlineData("softmax.b")]
    public void Check_fails_when_one_tensor_gradient_is_wrong(string tensor)
    {
        var result = GradientCheck.Run(CellType.Lstm, 2, 0f, 7, GradientCheck.DefaultTolerance,
            (model, g) =>
            {
                var span = model.Layout[tensor].Of(g);
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] *= 1.2f;
                }
            });

        Assert.False(result.Passed);
        Assert.Equal(tensor, result.Tensors.MaxBy(t => t.MaxRelativeError)!.Tensor);
    }
}
