using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Classification;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A classifier's labelled documents (<c>--task classify</c>): an epoch visits the training documents
/// in a shuffled order, B a window (see <see cref="DocumentBatchGradient"/>); every worker holds them
/// all and computes its slots of each window.
/// </summary>
internal sealed class ClassifierData(DocumentDataset documents) : JobData
{
    private TaskCorpus? _corpus;

    public DocumentDataset Documents { get; } = documents;

    public override string Task => "classify";

    public override CheckpointData Recorded(JobDefinition job) => CheckpointData.Of(job, Documents);

    /// <exception cref="Core.Text.CorpusException">Naming the file and line that is wrong.</exception>
    /// <exception cref="ArgumentException">When --split does not fit the files given.</exception>
    public static ClassifierData Read(JobDefinition job)
    {
        JobDatasets.CheckInputPaths(job);
        return new ClassifierData(DocumentDatasetLoader.Load(job.Corpus!, job.Valid, job.Test, job.DataSplit, job.MaxVocab, job.MinCount, job.Training.Seed));
    }

    public override string Describe()
        => $"{Documents.Train.Length} training documents in {Documents.Labels.Count} classes, vocabulary {Documents.Vocabulary.Count}";

    public override ModelSpec Spec(JobDefinition job)
    {
        var spec = job.ToModelSpec(Documents.Vocabulary.Count, Documents.Labels.Count);
        spec.Validate();
        return spec;
    }

    public override int Windows(TrainingOptions options) => DocumentBatchGradient.Windows(Documents.Train.Length, options.Batch);

    public override long TokensInWindows(int epoch, int windows, TrainingOptions options) => Math.Min(Documents.Train.Length, (long)windows * options.Batch);

    public override TaskCorpus Corpus(ModelSpec spec, TrainingOptions options) => _corpus ??= TaskCorpora.Pack(Documents.Train, spec, options.Batch);

    public override (double Measure, SplitScores? Scores) Validate(JobDefinition job, ModelSpec spec, float[] weights)
    {
        var valid = ClassifierEvaluator.Run(spec, weights, Documents.Valid);
        return (valid.Perplexity, SplitScores.From(valid));
    }

    public override FinalEvaluation Finish(JobDefinition job, ModelSpec spec, float[] weights, IReadOnlyDictionary<string, float[]> optimizerState,
        long steps, object metadata)
    {
        var valid = ClassifierEvaluator.Run(spec, weights, Documents.Valid);
        var test = Documents.Test is { Length: > 0 } documents ? ClassifierEvaluator.Run(spec, weights, documents) : null;
        var outPath = job.Out is { } path ? ModelFile.SaveClassifier(path, spec, Documents, weights, optimizerState, metadata) : null;
        var scores = new ClassifierScores([.. Documents.Labels], SplitScores.From(valid), test is null ? null : SplitScores.From(test));
        return new FinalEvaluation(test?.Perplexity, outPath, scores);
    }
}
