using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Embeddings;

public sealed class CbowTrainerTests
{
    private static readonly TrainingOptions Options = JobDefinition.CbowDefaults.Training with { Batch = 100, LearningRate = 2f, Epochs = 3, Threads = 1 };

    private static ModelSpec Spec(CbowDataset data) => JobDefinition.CbowDefaults.Model with { VocabSize = data.Vocabulary.Count, Hidden = 16, InitScale = 0.03f };

    [Theory]
    [InlineData(5)]
    [InlineData(0)]
    public void Words_of_a_topic_end_up_nearer_each_other_than_the_other_topic(int negatives)
    {
        var data = CbowTestData.Dataset(2_000, 200);
        var settings = new CbowSettings(Window: 3, Negatives: negatives, Subsample: 0);
        var trainer = new CbowTrainer(Spec(data), settings, Options, data);
        var summary = trainer.Run();
        var vectors = new WordVectors(data.Vocabulary.Tokens, trainer.InputVectors.ToArray(), 16);
        var right = 0;
        var pairs = 0;
        for (var i = 0; i < 10; i++)
        {
            for (var j = 0; j < 10; j++)
            {
                if (i != j)
                {
                    pairs++;
                    right += vectors.Cosine($"a{i}", $"a{j}") > vectors.Cosine($"a{i}", $"b{j}") ? 1 : 0;
                }
            }
        }

        Assert.InRange(right / (double)pairs, 0.95, 1.0);
        Assert.All(vectors.Nearest("b3", 5), n => Assert.StartsWith("b", n.Word));
        Assert.True(summary.ValidPerplexity < summary.TrainPerplexity * 1.5, $"valid {summary.ValidPerplexity} against train {summary.TrainPerplexity}");
        if (negatives == 0)
        {
            Assert.InRange(summary.ValidPerplexity, 1, 12); // a true perplexity over 22 words: better than uniform
        }
    }

    [Fact]
    public void The_same_seed_gives_bitwise_equal_vectors_for_1_and_2_threads_with_deterministic()
    {
        var data = CbowTestData.Dataset(600, 50);
        var digests = new[] { 1, 2 }.Select(threads =>
        {
            var trainer = new CbowTrainer(Spec(data), new CbowSettings(Window: 4, Subsample: 0), Options with { Threads = threads, Deterministic = true, Epochs = 2 }, data);
            return trainer.Run().WeightsSha256;
        }).ToArray();
        Assert.Equal(digests[0], digests[1]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1e-4f)]
    public void Applying_the_rows_directly_equals_applying_the_written_out_gradient_bit_for_bit(float clip)
    {
        var data = CbowTestData.Dataset(300, 30);
        var options = Options with { Epochs = 1, Clip = clip, Threads = 2 };
        var byRows = new CbowTrainer(Spec(data), new CbowSettings(Subsample: 0), options, data);
        var byVector = new CbowTrainer(Spec(data), new CbowSettings(Subsample: 0), options, data);
        var clipped = false;
        while (!byRows.Loop.EpochDone)
        {
            var loop = byRows.Loop;
            var rowsNorm = loop.ApplyRows(byRows.Source.Rows, byRows.Source.Compute(loop.Window, loop.Step, 1, loop.LossScale));
            var other = byVector.Loop;
            var result = byVector.Source.Compute(other.Window, other.Step, 1, other.LossScale);
            var vectorNorm = other.Apply(byVector.Source.Gradient, result, byVector.Source.Support);
            Assert.Equal(vectorNorm, rowsNorm);
            clipped |= clip > 0 && vectorNorm > clip;
        }

        Assert.Equal(clip > 0, clipped);
        Assert.Equal(byVector.Loop.Weights, byRows.Loop.Weights);
    }

    [Fact]
    public void An_epoch_walks_every_position_once_and_counts_the_centre_words_subsampling_keeps()
    {
        var data = CbowTestData.Dataset(500, 50);
        var full = new CbowTrainer(Spec(data), new CbowSettings(Subsample: 0), Options with { Epochs = 1 }, data);
        var summary = full.Run();
        Assert.Equal(data.Train.Words.Length, full.Source.WordsProcessed);
        Assert.Equal(data.Train.Words.Length, summary.Tokens); // no one-word lines, nothing subsampled: every word a centre

        var subsampled = new CbowTrainer(Spec(data), new CbowSettings(Subsample: 0.01), Options with { Epochs = 1 }, data);
        var kept = subsampled.Run().Tokens;
        Assert.InRange(kept, data.Train.Words.Length / 4, data.Train.Words.Length - 1); // "the" and "of" (a quarter each) are thinned
    }

    [Fact]
    public void Output_vectors_start_at_zero_and_input_vectors_within_the_init_scale()
    {
        var data = CbowTestData.Dataset(100, 20);
        var spec = Spec(data);
        var trainer = new CbowTrainer(spec, new CbowSettings(Subsample: 0), Options, data);
        var layout = ParameterLayout.For(spec);
        Assert.Equal(layout.Size, spec.ParameterCount);
        Assert.Equal(layout.Size, layout.SparseRowsLength);
        Assert.All(layout["output"].Of(trainer.Loop.Weights).ToArray(), w => Assert.Equal(0f, w));
        Assert.All(layout["embedding"].Of(trainer.Loop.Weights).ToArray(), w => Assert.InRange(w, -0.03f, 0.03f));
    }

    [Fact]
    public void A_corpus_too_small_for_its_subsampling_is_refused_naming_the_flag()
    {
        var data = CbowTestData.Dataset(100, 20);
        var error = Assert.Throws<ArgumentException>(() => new CbowTrainer(Spec(data), new CbowSettings(Subsample: 1e-3), Options, data));
        Assert.StartsWith("--subsample 0.001 keeps about ", error.Message, StringComparison.Ordinal);
    }
}
