using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Tests.Checkpoints;

public sealed class CheckpointValidationTests
{
    [Fact]
    public void Consistent_checkpoint_is_valid() => TestCheckpoints.Small().Validate();

    [Theory]
    [InlineData("weights", "needs")]
    [InlineData("vocabulary count", "the vocabulary has 3 tokens but the model spec says 8")]
    [InlineData("duplicate token", "token 5 'the' appears more than once")]
    [InlineData("lone surrogate", "token 4 is not well-formed UTF-16")]
    [InlineData("tokenizer", "tokenizer kind 'Word'")]
    [InlineData("progress array", "progress JSON must be an object, not array")]
    [InlineData("progress text", "progress JSON does not parse")]
    [InlineData("optimizer named weights", "may not be named 'weights'")]
    [InlineData("forget bias", "forget bias NaN is not finite")]
    [InlineData("spec", "model spec: --hidden 0")]
    public void Inconsistent_checkpoint_is_rejected(string change, string expected)
    {
        var small = TestCheckpoints.Small();
        var vocabulary = small.Vocabulary.ToArray();
        var checkpoint = change switch
        {
            "weights" => small with { Weights = [.. small.Weights, 0f] },
            "vocabulary count" => small with { Vocabulary = ["a", "b", "c"] },
            "duplicate token" => small with { Vocabulary = [.. vocabulary[..5], "the", .. vocabulary[6..]] },
            "lone surrogate" => small with { Vocabulary = [.. vocabulary[..4], "\uD83D", .. vocabulary[5..]] },
            "tokenizer" => small with { TokenizerKind = "Word" },
            "progress array" => small with { ProgressJson = "[1,2]" },
            "progress text" => small with { ProgressJson = "epoch=3" },
            "optimizer named weights" => small with { OptimizerState = new Dictionary<string, float[]> { ["weights"] = [] } },
            "forget bias" => small with { Spec = small.Spec with { ForgetBias = float.NaN } },
            _ => small with { Spec = small.Spec with { Hidden = 0 } },
        };

        var e = Assert.Throws<ArgumentException>(checkpoint.Validate);

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Writing_to_a_stream_validates_first()
    {
        using var stream = new MemoryStream();
        var bad = TestCheckpoints.Of(new ModelSpec(CellType.Rnn, 3, 1, 2)) with { Weights = [] };

        Assert.Throws<ArgumentException>(() => CheckpointFile.Write(stream, bad));
        Assert.Equal(0, stream.Length);
    }
}
