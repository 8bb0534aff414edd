using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class TrainerTests
{
    private static ModelSpec Spec(TextDataset data, CellType cell = CellType.Lstm) => new(cell, data.Vocabulary.Count, 1, 8);

    [Fact]
    public void Stops_after_exactly_max_steps_inside_the_first_epoch()
    {
        var data = TrainingTestData.Small();
        var options = new TrainingOptions { Batch = 4, Bptt = 10, Epochs = 3, MaxSteps = 7 };
        var observer = new TrainingTestData.RecordingObserver();
        var trainer = new Trainer(Spec(data), options, data, observer);

        var summary = trainer.Run();

        Assert.Equal(7, summary.Steps);
        Assert.Equal(7, trainer.Steps);
        Assert.Equal(1, summary.Epochs);
        Assert.Equal(1, trainer.Loop.Epoch);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), observer.Progress.Select(p => p.Step));
        Assert.Equal(7L * 4 * 10, summary.Tokens);
        Assert.Single(observer.Epochs);
    }

    [Fact]
    public void Stops_after_exactly_max_steps_when_the_limit_falls_in_a_later_epoch()
    {
        var data = TrainingTestData.Small();
        var options = new TrainingOptions { Batch = 4, Bptt = 10, Epochs = 5 };
        var windows = new BatchStreams(data.Train, options.Batch).WindowCount(options.Bptt);
        var observer = new TrainingTestData.RecordingObserver();
        var trainer = new Trainer(Spec(data), options with { MaxSteps = windows + 5 }, data, observer);

        var summary = trainer.Run();

        Assert.Equal(windows + 5, summary.Steps);
        Assert.Equal(2, summary.Epochs);
        Assert.Equal([1, 2], observer.Epochs.Select(e => e.Epoch));
        var last = observer.Progress[^1];
        Assert.Equal((2, 5, windows), (last.Epoch, last.Window, last.WindowsPerEpoch));
    }

    [Fact]
    public void Without_max_steps_every_epoch_runs_every_window_and_counts_every_predicted_token()
    {
        var data = TrainingTestData.Small(trainTokens: 800, validTokens: 100);
        var options = new TrainingOptions { Batch = 4, Bptt = 7, Epochs = 2 };
        var streams = new BatchStreams(data.Train, options.Batch);
        var observer = new TrainingTestData.RecordingObserver();

        var summary = new Trainer(Spec(data), options, data, observer).Run();

        Assert.Equal(2L * streams.WindowCount(options.Bptt), summary.Steps);
        Assert.Equal(2L * streams.TokensPerEpoch(options.Bptt), summary.Tokens);
        Assert.All(observer.Epochs, e => Assert.Equal(streams.TokensPerEpoch(options.Bptt), e.Tokens));
    }

    [Fact]
    public void Each_epoch_runs_at_the_rate_of_the_schedule()
    {
        var data = TrainingTestData.Small(trainTokens: 600, validTokens: 100);
        var options = new TrainingOptions { Batch = 4, Bptt = 10, Epochs = 4, LearningRate = 0.8f, Decay = 0.5f, DecayAfter = 2 };
        var observer = new TrainingTestData.RecordingObserver();

        new Trainer(Spec(data, CellType.Rnn), options, data, observer).Run();

        Assert.Equal([0.8f, 0.8f, 0.4f, 0.2f], observer.Epochs.Select(e => e.LearningRate));
        foreach (var epoch in observer.Epochs)
        {
            Assert.All(observer.Progress.Where(p => p.Epoch == epoch.Epoch), p => Assert.Equal(epoch.LearningRate, p.LearningRate));
        }
    }

    [Fact]
    public void Test_perplexity_is_the_trained_model_evaluated_on_the_test_split()
    {
        var text = BuiltInCorpus.Generate(1_500, 5);
        var data = TextDatasetLoader.FromText(text, BuiltInCorpus.Generate(200, 6), BuiltInCorpus.Generate(200, 7), TokenizerKind.Word);
        var options = new TrainingOptions { Batch = 4, Bptt = 10, Epochs = 1 };
        var spec = Spec(data, CellType.Gru);
        var trainer = new Trainer(spec, options, data);

        var summary = trainer.Run();

        Assert.NotNull(summary.TestPerplexity);
        Assert.Equal(Evaluator.Run(spec, trainer.Weights, data.Test!, 1, options.Bptt).Perplexity, summary.TestPerplexity!.Value);
    }

    [Fact]
    public void A_training_split_too_small_for_batch_and_bptt_is_rejected_before_training()
    {
        var data = TrainingTestData.Small(trainTokens: 50, validTokens: 50);
        var options = new TrainingOptions { Batch = 8, Bptt = 10 };
        Assert.True(data.Train.Length < 8 * 11, $"the test needs fewer than 88 training tokens, has {data.Train.Length}");

        var e = Assert.Throws<CorpusException>(() => new Trainer(Spec(data), options, data));

        Assert.Contains("batch 8", e.Message, StringComparison.Ordinal);
        Assert.Contains("bptt 10", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_validation_split_too_small_to_evaluate_is_rejected_before_training()
    {
        var data = TrainingTestData.Small(trainTokens: 400, validTokens: 50);
        var tiny = data with { Valid = data.Valid[..1] };
        var observer = new TrainingTestData.RecordingObserver();

        var e = Record.Exception(() => new Trainer(Spec(tiny), new TrainingOptions { Batch = 4, Bptt = 10 }, tiny, observer).Run());

        Assert.NotNull(e);
        Assert.True(e is ArgumentException or CorpusException, $"unexpected {e.GetType().Name}: {e.Message}");
        Assert.Contains("1 token", e.Message, StringComparison.Ordinal);
        Assert.Empty(observer.Progress); // fail fast: not after a whole epoch of training
    }

    [Fact]
    public void Invalid_options_are_rejected_by_the_constructor_naming_the_flag()
    {
        var data = TrainingTestData.Small(trainTokens: 400, validTokens: 50);

        var e = Assert.Throws<ArgumentException>(() => new Trainer(Spec(data), new TrainingOptions { Bptt = 0 }, data));

        Assert.Contains("--bptt", e.Message, StringComparison.Ordinal);
    }
}
