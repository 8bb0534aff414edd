using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Tests.Checkpoints;

/// <summary>Checkpoints for tests, with floats and tokens chosen to catch lossy encodings.</summary>
internal static class TestCheckpoints
{
    public const string Progress = """{"epoch":3,"step":1200,"cursors":[0,17,34],"lr":0.00125,"rng":"9f3c0a17e2b45d68"}""";

    public static readonly string[] UnicodeVocabulary = ["<eos>", "the", "café", "日本語", "😀", "naïve", "\"quoted\"", "tab\tnew\nline"];

    /// <summary>A small LSTM with Adam and momentum state and awkward float values.</summary>
    public static Checkpoint Small(ulong seed = 1)
    {
        var spec = new ModelSpec(CellType.Lstm, UnicodeVocabulary.Length, Layers: 2, Hidden: 5, Dropout: 0.35f, InitScale: 0.05f, ForgetBias: 1f);
        var size = ParameterLayout.For(spec).Size;
        var weights = RandomFloats(size, seed);
        float[] awkward = [-0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue, BitConverter.Int32BitsToSingle(0x7FC01234)];
        awkward.CopyTo(weights, 0);
        var optimizerState = new Dictionary<string, float[]>(StringComparer.Ordinal)
        {
            ["adam.m"] = RandomFloats(size, seed + 1),
            ["adam.v"] = RandomFloats(size, seed + 2),
            ["momentum"] = RandomFloats(7, seed + 3),
            ["empty"] = [],
        };
        return new Checkpoint(spec, Checkpoint.WordTokenizer, UnicodeVocabulary, weights, optimizerState, Progress);
    }

    /// <summary>A checkpoint of the given shape with no optimizer state.</summary>
    public static Checkpoint Of(ModelSpec spec, string tokenizerKind = Checkpoint.CharTokenizer, ulong seed = 7) => new(
        spec,
        tokenizerKind,
        [.. Enumerable.Range(0, spec.VocabSize).Select(i => $"t{i}")],
        RandomFloats(ParameterLayout.For(spec).Size, seed),
        new Dictionary<string, float[]>(),
        "{}");

    public static float[] RandomFloats(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = rng.NextFloat(-1f, 1f);
        }

        return values;
    }

    public static void AssertBitExact(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"float {i}: expected bits {BitConverter.SingleToInt32Bits(expected[i]):x8}, got {BitConverter.SingleToInt32Bits(actual[i]):x8}");
            }
        }
    }

    public static void AssertSame(Checkpoint expected, Checkpoint actual)
    {
        Assert.Equal(expected.Spec, actual.Spec);
        Assert.Equal(expected.TokenizerKind, actual.TokenizerKind);
        Assert.Equal(expected.Vocabulary, actual.Vocabulary);
        AssertBitExact(expected.Weights, actual.Weights);
        Assert.Equal(expected.OptimizerState.Keys, actual.OptimizerState.Keys);
        foreach (var (name, values) in expected.OptimizerState)
        {
            AssertBitExact(values, actual.OptimizerState[name]);
        }

        Assert.Equal(expected.ProgressJson, actual.ProgressJson);
    }
}
