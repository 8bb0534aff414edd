using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Classification;
using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

/// <summary>
/// The course's other models on the cluster: a classify and a cbow job trained in sync mode on several
/// workers end with the weights of `train`'s single-process training bit for bit (<c>--deterministic</c>),
/// with every document or centre word accounted for. The jobs run on a shared cluster of three workers
/// (batches cut into 4 stream groups give them 2 + 1 + 1 groups).
/// </summary>
[Collection(SharedClustersCollection.Name)]
public sealed class TaskTrainingTests(SharedClusters clusters) : IDisposable
{
    private const int Workers = 3;

    private static readonly string[][] Topics =
    [
        ["ball", "goal", "team", "match", "score", "player", "coach", "win"],
        ["bread", "cheese", "soup", "salt", "cook", "dinner", "taste", "sweet"],
        ["code", "disk", "chip", "data", "cloud", "server", "bug", "screen"],
    ];

    private static readonly string[] Common = ["the", "a", "of", "and", "to", "is", "in", "it"];

    private readonly string _dir = Directory.CreateTempSubdirectory("rnncluster-tasks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("bow")]  // batch 10 in 4 groups: the workers get 3+3 / 2 / 2 documents of each window
    [InlineData("gru")]  // a recurrent encoder over padded, length-bucketed batches
    public async Task Should_train_a_classifier_as_one_process_does(string cell)
    {
        var corpus = Path.Combine(_dir, "docs.txt");
        File.WriteAllLines(corpus, Lines(400, 3, 12, labelled: true));
        var job = JobDefinition.ClassifyDefaults with
        {
            Corpus = corpus,
            Split = "80/10/10",
            Workers = Workers,
            Model = JobDefinition.ClassifyDefaults.Model with { Cell = CellTypes.Parse(cell), Hidden = 16, Dropout = 0.3f },
            Training = JobDefinition.ClassifyDefaults.Training with { Batch = 10, Bptt = cell == "bow" ? JobDefinition.ClassifyDefaults.Training.Bptt : 8, Epochs = 2, DecayAfter = 1, Deterministic = true, Seed = 5 },
            CheckpointDir = _dir,
        };
        var data = DocumentDatasetLoader.Load(corpus, null, null, job.DataSplit, job.MaxVocab, job.MinCount, job.Training.Seed);
        var reference = new ClassifierTrainer(job.ToModelSpec(data.Vocabulary.Count, data.Labels.Count), job.Training with { Threads = 2 }, data);
        var (summary, valid, test) = reference.Run();

        var done = await TrainOnCluster(job);

        Assert.Equal("classify", done.Task);
        Assert.NotNull(summary.WeightsSha256);
        Assert.Equal(summary.WeightsSha256, done.Summary.WeightsSha256);
        Assert.Equal(summary.Tokens, done.Summary.Tokens);
        var scores = Assert.IsType<ClassifierScores>(done.Classification);
        Assert.Equal(data.Labels, scores.Labels);
        Assert.Equal(valid.Metrics.Accuracy, scores.Valid.ToResult().Metrics.Accuracy);
        Assert.Equal(test!.Metrics.MacroF1, scores.Test!.ToResult().Metrics.MacroF1);
        Assert.Equal(test.Perplexity, done.Summary.TestPerplexity);

        // Its checkpoint, marked completed, holds the final state: a classifier's carries no stream state.
        var completed = Path.Combine(_dir, $"{done.JobId}.completed.rnnc");
        await TestCluster.WaitUntil(() => File.Exists(completed), "the completed checkpoint");
        var (_, _, _, snapshot, checkpoint, _) = JobCheckpoints.Read(completed);
        Assert.Equal(done.Summary.Steps, snapshot.Step);
        Assert.Equal(done.Summary.WeightsSha256, WeightsDigest.Sha256(snapshot.Weights));
        Assert.Equal(data.Labels, checkpoint.ClassLabels);
        Assert.Empty(snapshot.StateH);
    }

    [Theory]
    [InlineData(5)]  // negative sampling, subsampling on
    [InlineData(0)]  // the course's full softmax
    public async Task Should_train_cbow_embeddings_as_one_process_does(int negatives)
    {
        var corpus = Path.Combine(_dir, "text.txt");
        File.WriteAllLines(corpus, Lines(800, 4, 14, labelled: false));
        var job = JobDefinition.CbowDefaults with
        {
            Corpus = corpus,
            Workers = Workers,
            Negative = negatives,
            Subsample = negatives > 0 ? 0.05 : 0,
            MinCount = 1,
            Model = JobDefinition.CbowDefaults.Model with { Hidden = 12 },
            Training = JobDefinition.CbowDefaults.Training with { Batch = 300, LearningRate = 5f, Epochs = 2, Deterministic = true },
            Out = Path.Combine(_dir, "vectors.txt"),
        };
        var data = CbowDataset.Load(corpus, null, job.MinCount);
        var reference = new CbowTrainer(job.ToModelSpec(data.Vocabulary.Count), job.Cbow, job.Training with { Threads = 2 }, data);
        var summary = reference.Run();

        var done = await TrainOnCluster(job);

        Assert.Equal("cbow", done.Task);
        Assert.NotNull(summary.WeightsSha256);
        Assert.Equal(summary.WeightsSha256, done.Summary.WeightsSha256);
        Assert.Equal(summary.Tokens, done.Summary.Tokens);
        Assert.Equal(reference.Source.WordsProcessed, done.Words);
        var vectors = WordVectors.Read(job.Out!);
        Assert.Equal(data.Vocabulary.Count, vectors.Words.Count);
    }

    /// <summary>Runs the job on the shared cluster and checks each epoch's accounting; returns its final event.</summary>
    private async Task<JobCompleted> TrainOnCluster(JobDefinition job)
    {
        var cluster = await clusters.WithWorkers(Workers);
        var events = await cluster.WatchAsync(await cluster.SubmitAsync(job));
        var done = Assert.IsType<JobCompleted>(events[^1]);
        Assert.Equal(Workers, done.Summary.Workers);
        Assert.Equal("coordinator", done.PsPlacement);
        var epochs = events.OfType<JobEpoch>().ToList();
        Assert.Equal(job.Training.Epochs, epochs.Count);
        Assert.All(epochs, e => Assert.Equal(e.TokensExpected, e.Report.Tokens));
        return done;
    }

    /// <summary>Lines of 3 topics' words mixed with common words, each labelled with its topic (fastText's format) or not.</summary>
    private static IEnumerable<string> Lines(int count, int minWords, int maxWords, bool labelled)
    {
        var random = new Random(11);
        for (var i = 0; i < count; i++)
        {
            var topic = random.Next(Topics.Length);
            var words = Enumerable.Range(0, random.Next(minWords, maxWords + 1))
                .Select(_ => random.NextDouble() < 0.5 ? Topics[topic][random.Next(8)] : Common[random.Next(Common.Length)]);
            yield return (labelled ? $"__label__t{topic} " : string.Empty) + string.Join(' ', words);
        }
    }
}
