using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Classification;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Classification;

public sealed class ClassifierTrainerTests
{
    private static readonly TrainingOptions Options = JobDefinition.ClassifyDefaults.Training with { Epochs = 4, DecayAfter = 2, Threads = 1 };

    private static ModelSpec Spec(DocumentDataset data, float dropout = 0.5f)
        => new ModelSpec(CellType.Bow, data.Vocabulary.Count, 1, 16, dropout) { Classes = data.Labels.Count };

    [Fact]
    public void Learns_separable_topics_and_scores_validation_and_test()
    {
        var data = ClassificationTestData.Dataset(1_500, 4, 3);
        var trainer = new ClassifierTrainer(Spec(data), Options, data);
        var (summary, valid, test) = trainer.Run();
        Assert.InRange(valid.Metrics.Accuracy, 0.9, 1.0);
        Assert.InRange(test!.Metrics.Accuracy, 0.9, 1.0);
        Assert.InRange(test.Metrics.MacroF1, 0.9, 1.0);
        Assert.Equal(4, summary.Epochs);
        Assert.Equal(4L * data.Train.Length, summary.Tokens); // every document once an epoch
        Assert.Equal(test.Perplexity, summary.TestPerplexity);
    }

    [Theory]
    [InlineData(CellType.Gru)]
    [InlineData(CellType.Lstm)]
    public void A_recurrent_classifier_learns_the_topics_from_its_final_state(CellType cell)
    {
        var data = ClassificationTestData.Dataset(1_200, 3, 6);
        var spec = new ModelSpec(cell, data.Vocabulary.Count, 1, 16, 0f) { Classes = data.Labels.Count, MaxWords = 6 };
        var trainer = new ClassifierTrainer(spec, Options with { LearningRate = 1f, Epochs = 5 }, data);
        var (_, valid, _) = trainer.Run();
        Assert.InRange(valid.Metrics.Accuracy, 0.85, 1.0);
    }

    [Theory]
    [InlineData(CellType.Bow, 0)]
    [InlineData(CellType.Rnn, 10)]
    [InlineData(CellType.Lstm, 10)]
    [InlineData(CellType.Gru, 10)]
    public void A_classifier_spec_counts_the_parameters_its_layout_holds(CellType cell, int maxWords)
    {
        var spec = new ModelSpec(cell, 50, 2, 8) { Classes = 4, MaxWords = maxWords };
        Assert.Equal(ParameterLayout.For(spec).Size, spec.ParameterCount);
        Assert.Equal(4, ParameterLayout.For(spec)["softmax.b"].Length);
    }

    [Fact]
    public void A_recurrent_classifier_needs_a_word_limit_and_nothing_else_has_one()
    {
        Assert.Contains("reads 1 to 100000 words", Assert.Throws<ArgumentException>(() => new ModelSpec(CellType.Lstm, 10, 1, 4) { Classes = 2 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("only a recurrent classifier", Assert.Throws<ArgumentException>(() => new ModelSpec(CellType.Lstm, 10, 1, 4) { MaxWords = 5 }.Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deterministic_training_gives_the_same_weights_on_one_thread_or_two()
    {
        var data = ClassificationTestData.Dataset(400, 3, 4);
        string Digest(int threads)
        {
            var trainer = new ClassifierTrainer(Spec(data), Options with { Epochs = 2, Threads = threads, Deterministic = true }, data);
            return trainer.Run().Summary.WeightsSha256!;
        }

        Assert.Equal(Digest(1), Digest(2));
    }

    [Fact]
    public void An_epoch_visits_every_document_once_in_a_seeded_order()
    {
        var order = DocumentBatchGradient.Shuffled(100, 7, 0);
        Assert.Equal(Enumerable.Range(0, 100), order.Order());
        Assert.Equal(order, DocumentBatchGradient.Shuffled(100, 7, 0));
        Assert.NotEqual(order, DocumentBatchGradient.Shuffled(100, 7, 1));
        Assert.Equal(4, DocumentBatchGradient.Windows(100, 32));
    }

    [Fact]
    public void A_classifier_file_keeps_its_labels_and_a_language_model_cannot_claim_any()
    {
        var data = ClassificationTestData.Dataset(100, 3, 5);
        var spec = Spec(data);
        var weights = new float[ParameterLayout.For(spec).Size];
        var path = Path.Combine(Path.GetTempPath(), $"rnncluster-classifier-{Guid.NewGuid():N}.rnnc");
        try
        {
            ModelFile.SaveClassifier(path, spec, data, weights, new Dictionary<string, float[]>(), new { epoch = 1 });
            var loaded = ModelFile.Load(path);
            Assert.Equal(spec, loaded.Spec);
            Assert.Equal(data.Labels, loaded.Labels);
            Assert.Equal(data.Vocabulary.Tokens, loaded.Vocabulary.Tokens);
        }
        finally
        {
            File.Delete(path);
        }

        var lm = new ModelSpec(CellType.Rnn, data.Vocabulary.Count, 1, 4);
        var bad = new Checkpoint(lm, Checkpoint.WordTokenizer, data.Vocabulary.Tokens, new float[ParameterLayout.For(lm).Size], new Dictionary<string, float[]>(), "{}", ["x"]);
        Assert.Contains("a language model has no class labels", Assert.Throws<ArgumentException>(bad.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bow_is_for_classifiers_and_a_language_model_refuses_a_classifier_spec()
    {
        var e = Assert.Throws<ArgumentException>(() => new ModelSpec(CellType.Bow, 10, 1, 4).Validate());
        Assert.Equal("--model bow is the bag-of-words document classifier: use it with --task classify", e.Message);
        Assert.Throws<ArgumentException>(() => new LanguageModel(new ModelSpec(CellType.Rnn, 10, 1, 4) { Classes = 3 }, 1, 1));
    }
}
