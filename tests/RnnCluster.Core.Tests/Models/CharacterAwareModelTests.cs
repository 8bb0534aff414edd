using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Diagnostics;
using RnnCluster.Core.Models;
using RnnCluster.Core.Tests.Checkpoints;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Models;

public sealed class CharacterAwareModelTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1, 0f)]
    [InlineData(2, 0.3f)]
    public void Backward_matches_central_finite_differences(int layers, float dropout)
    {
        var result = GradientCheck.Run(CellType.CharLstm, layers, dropout);
        foreach (var t in result.Tensors)
        {
            output.WriteLine($"{t.Tensor,-16} n={t.Count,4} skipped={t.Skipped,3} rel={t.MaxRelativeError:E2} abs={t.MaxAbsoluteError:E2}");
        }

        // Kinks (a max-over-time winner or a ReLU flipping within ±ε) leave most parameters of every tensor compared.
        Assert.All(result.Tensors, t => Assert.True(t.Count >= 2 * t.Skipped, $"{t.Tensor}: {t.Count} compared, {t.Skipped} skipped"));

        // Every tensor of the encoder is in the check, and the first layer reads its 525 features.
        Assert.Contains(result.Tensors, t => t.Tensor == "chars.embedding");
        Assert.Equal(6, result.Tensors.Count(t => t.Tensor.StartsWith("conv", StringComparison.Ordinal) && t.Tensor.EndsWith(".w", StringComparison.Ordinal)));
        Assert.Contains(result.Tensors, t => t.Tensor == "highway.w_t");
        Assert.DoesNotContain(result.Tensors, t => t.Tensor == "embedding");
        Assert.All(result.Tensors, t => Assert.True(t.MaxRelativeError < GradientCheck.DefaultTolerance, $"{t.Tensor}: {t.MaxRelativeError:E2}"));
    }

    [Theory]
    [InlineData("conv3.w")]
    [InlineData("highway.w_h")]
    [InlineData("chars.embedding")]
    public void The_check_sees_a_wrong_encoder_gradient(string tensor)
    {
        var result = GradientCheck.Run(CellType.CharLstm, 1, 0f, 7, GradientCheck.DefaultTolerance,
            (model, g) => model.Layout[tensor].Of(g).Clear());

        Assert.False(result.Passed);
        Assert.Equal(tensor, result.Tensors.MaxBy(t => t.MaxRelativeError)!.Tensor);
    }

    [Fact]
    public void Spellings_mark_word_boundaries_pad_and_share_one_alphabet()
    {
        var spellings = WordSpellings.From(["<eos>", "ab", "ba", "a"], minLength: 6);

        Assert.Equal(7, spellings.Length); // "<eos>" + begin + end
        Assert.Equal("<>abeos", spellings.Alphabet);
        Assert.Equal(3 + 7, spellings.Symbols);
        int a = 3 + 2, b = 3 + 3;
        Assert.Equal([WordSpellings.BeginOfWord, a, b, WordSpellings.EndOfWord, 0, 0, 0], spellings.Of(1).ToArray());
        Assert.Equal([WordSpellings.BeginOfWord, b, a, WordSpellings.EndOfWord, 0, 0, 0], spellings.Of(2).ToArray());
        Assert.Equal(spellings, WordSpellings.From(["<eos>", "ab", "ba", "a"], minLength: 6));
        Assert.NotEqual(spellings, WordSpellings.From(["<eos>", "ab", "ab", "a"], minLength: 6));
    }

    [Fact]
    public void Short_words_are_padded_to_the_widest_convolution_and_long_ones_cut()
    {
        Assert.Equal(CharacterWordEncoder.MaxWidth, WordSpellings.From(["a", "b"], CharacterWordEncoder.MaxWidth).Length);
        var cut = WordSpellings.From([new string('x', 200)], CharacterWordEncoder.MaxWidth);

        Assert.Equal(WordSpellings.MaxLength, cut.Length);
        Assert.Equal(WordSpellings.EndOfWord, cut.Of(0)[^1]);
        Assert.Throws<ArgumentException>(() => WordSpellings.From(["a", ""], 6));
    }

    [Fact]
    public void Kim_et_al_small_configuration_has_their_parameter_count()
    {
        // PTB: 10,000 words of 50 distinct characters; 2 LSTM layers of 300. Kim et al. (2016), Table 2: ~5 million.
        var words = Enumerable.Range(0, 10_000).Select(i => "w" + i.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var spec = new ModelSpec(CellType.CharLstm, words.Length, Layers: 2, Hidden: 300, Dropout: 0.5f).WithSpellings(words);
        var layout = ParameterLayout.For(spec);

        Assert.Equal(layout.Size, spec.ParameterCount);
        Assert.Equal(0, layout.SparseRowsLength);
        Assert.Equal(CharacterWordEncoder.Features, layout["layer0.w_x"].Rows);
        Assert.Equal(300, layout["layer1.w_x"].Rows);
        output.WriteLine($"{layout.Size:N0} parameters");
        Assert.InRange(layout.Size, 5_000_000, 5_500_000);
    }

    [Fact]
    public void A_spec_without_its_spellings_or_with_a_classifier_or_tied_weights_is_refused()
    {
        var spec = new ModelSpec(CellType.CharLstm, 4, 1, 8);

        Assert.Contains("spellings", Assert.Throws<ArgumentException>(() => ParameterLayout.For(spec)).Message, StringComparison.Ordinal);
        Assert.Contains("--task lm", Assert.Throws<ArgumentException>(() => (spec with { Classes = 3, MaxWords = 5 }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("--tie-weights", Assert.Throws<ArgumentException>(() => (spec with { TieWeights = true }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("spellings cover 3 words", Assert.Throws<ArgumentException>(() => (spec with { Spellings = WordSpellings.From(["a", "b", "c"], 6) }).Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Character_tokens_are_refused_naming_the_flag()
    {
        var job = new Core.Training.JobDefinition { Tokens = "char" }.WithModel(m => m with { Cell = CellType.CharLstm });

        Assert.StartsWith("--tokens char with --model char-lstm", Assert.Throws<ArgumentException>(job.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_spells_its_vocabulary_again_when_read()
    {
        string[] words = ["<unk>", "the", "cat", "sat", "<eos>"];
        var spec = new ModelSpec(CellType.CharLstm, words.Length, Layers: 1, Hidden: 4).WithSpellings(words);
        var original = new Checkpoint(spec, Checkpoint.WordTokenizer, words, TestCheckpoints.RandomFloats(ParameterLayout.For(spec).Size, 3),
            new Dictionary<string, float[]>(), "{}");
        var path = _dir.File("char-lstm.rnnc");

        CheckpointFile.Write(path, original);
        var restored = CheckpointFile.Read(path);

        TestCheckpoints.AssertSame(original, restored);
        Assert.Equal(spec.Spellings, restored.Spec.Spellings);
    }

    [Fact]
    public void Training_windows_lower_the_loss()
    {
        // A repeated 4-word sentence: plain SGD on the full model must learn it.
        string[] words = ["<eos>", "the", "cat", "sat", "mat"];
        var spec = new ModelSpec(CellType.CharLstm, words.Length, Layers: 1, Hidden: 16, InitScale: 0.05f).WithSpellings(words);
        var model = new LanguageModel(spec, maxBatch: 2, maxSteps: 4);
        model.Initialize(5);
        int[] inputs = [1, 1, 2, 2, 3, 3, 4, 4];
        int[] targets = [2, 2, 3, 3, 4, 4, 0, 0];
        double first = 0, last = 0;
        for (var step = 0; step < 150; step++)
        {
            model.ZeroGradients();
            var loss = model.Forward(inputs, targets, 4, 2, model.NewState(2), null) / 8;
            model.Backward(1f / 8);
            for (var i = 0; i < model.Weights.Length; i++)
            {
                model.Weights[i] -= 1f * model.Gradients[i];
            }

            first = step == 0 ? loss : first;
            last = loss;
        }

        output.WriteLine($"loss {first:F3} → {last:F3}");
        Assert.True(last < first * 0.2, $"loss {first:F3} → {last:F3}");
    }
}
