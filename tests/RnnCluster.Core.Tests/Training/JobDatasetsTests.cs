using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class JobDatasetsTests
{
    [Fact]
    public void A_missing_corpus_path_is_a_corpus_error_naming_the_path()
    {
        using var dir = new TempDirectory();
        var path = dir.File("no-such-corpus.txt");

        var e = Assert.Throws<CorpusException>(() => JobDatasets.Load(new JobDefinition { Corpus = path }));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corpus_too_small_for_batch_and_bptt_is_a_corpus_error_naming_both()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("tiny.txt", "one two three four five six seven eight nine ten\n");

        var e = Assert.Throws<CorpusException>(() => JobDatasets.Load(new JobDefinition { Corpus = path, Training = new TrainingOptions { Batch = 20, Bptt = 20 } }));

        Assert.Contains("batch 20", e.Message, StringComparison.Ordinal);
        Assert.Contains("bptt 20", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corpus_file_with_enough_text_loads_with_a_held_out_validation_split()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("train.txt", BuiltInCorpus.Generate(2_000, 4));

        var data = JobDatasets.Load(new JobDefinition { Corpus = path, Training = new TrainingOptions { Batch = 4, Bptt = 10 } });

        Assert.Equal(TokenizerKind.Word, data.Kind);
        Assert.True(data.Train.Length > 1_500);
        Assert.True(data.Valid.Length > 150);
        Assert.Null(JobDatasets.OptimalPerplexity(new JobDefinition { Corpus = path }));
    }

    [Fact]
    public void Without_a_corpus_the_job_trains_on_the_built_in_corpus_of_the_requested_size()
    {
        var job = new JobDefinition { BuiltinTrainTokens = 3_000, BuiltinValidTokens = 500, Training = new TrainingOptions { Seed = 8 } };

        var data = JobDatasets.Load(job);

        Assert.InRange(data.Train.Length, 3_000, 3_100);
        Assert.InRange(data.Valid.Length, 500, 600);
        Assert.Equal(BuiltInCorpus.Dataset(3_000, 500, 8).Train, data.Train);
        Assert.Equal(BuiltInCorpus.OptimalPerplexity, JobDatasets.OptimalPerplexity(job));
    }

    [Fact]
    public void Char_tokens_are_honoured_for_a_corpus_file()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("train.txt", BuiltInCorpus.Generate(1_000, 4));

        var data = JobDatasets.Load(new JobDefinition { Corpus = path, Tokens = "char", Training = new TrainingOptions { Batch = 4, Bptt = 10 } });

        Assert.Equal(TokenizerKind.Char, data.Kind);
        Assert.True(data.Vocabulary.Count < 60, $"a character vocabulary, not {data.Vocabulary.Count} words");
    }
}
