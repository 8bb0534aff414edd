using System.Runtime.InteropServices;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

/// <summary>Small datasets, models and comparisons shared by the training tests.</summary>
internal static class TrainingTestData
{
    /// <summary>A built-in-corpus dataset small enough for a whole epoch in a few milliseconds.</summary>
    public static TextDataset Small(int trainTokens = 3_000, int validTokens = 400, ulong seed = 11)
        => BuiltInCorpus.Dataset(trainTokens, validTokens, seed);

    /// <summary>Token ids drawn uniformly from [0, vocab) — inputs for gradient and evaluation tests.</summary>
    public static int[] RandomIds(int count, int vocab, ulong seed)
    {
        var rng = new Core.Numerics.Rng(seed);
        var ids = new int[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = rng.NextInt(vocab);
        }

        return ids;
    }

    public static LanguageModel InitializedModel(ModelSpec spec, int maxBatch, int maxSteps, ulong seed)
    {
        var model = new LanguageModel(spec, maxBatch, maxSteps);
        model.Initialize(seed);
        return model;
    }

    /// <summary>‖actual − expected‖ / ‖expected‖, in double.</summary>
    public static double RelativeDifference(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, norm = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = (double)actual[i] - expected[i];
            diff += d * d;
            norm += (double)expected[i] * expected[i];
        }

        Assert.True(norm > 0, "the expected vector is zero, so a relative difference means nothing");
        return Math.Sqrt(diff / norm);
    }

    public static double MaxAbsoluteDifference(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)actual[i] - expected[i]));
        }

        return max;
    }

    /// <summary>True when both arrays hold the same float bit patterns.</summary>
    public static bool BitIdentical(float[] a, float[] b)
        => a.Length == b.Length && MemoryMarshal.AsBytes(a.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan()));

    /// <summary>Index of the first element whose bits differ, or -1.</summary>
    public static int FirstBitDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        for (var i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Collects every report a trainer emits.</summary>
    public sealed class RecordingObserver : ITrainingObserver
    {
        public List<ProgressReport> Progress { get; } = [];

        public List<EpochReport> Epochs { get; } = [];

        public void OnProgress(ProgressReport report) => Progress.Add(report);

        public void OnEpoch(EpochReport report) => Epochs.Add(report);
    }
}
