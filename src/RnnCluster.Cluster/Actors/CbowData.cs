using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The text of CBOW word embeddings (<c>--task cbow</c>): an epoch walks the corpus's positions in
/// order, B a window (see <see cref="CbowGradient"/>); every worker holds the whole corpus, as a
/// slot's context window reaches beyond it, and computes its slots of each window.
/// </summary>
internal sealed class CbowData(CbowDataset text, CbowSettings settings) : JobData
{
    private TaskCorpus? _corpus;
    private (ulong Seed, int Epoch, CbowEpoch View)? _epoch;

    public CbowDataset Text { get; } = text;

    public CbowSettings Settings { get; } = settings;

    public override string Task => "cbow";

    public override CheckpointData Recorded(JobDefinition job) => CheckpointData.Of(job, Text);

    /// <exception cref="Core.Text.CorpusException">Naming the file that is missing, unreadable or too small.</exception>
    /// <exception cref="ArgumentException">When --subsample would keep too little of the corpus.</exception>
    public static CbowData Read(JobDefinition job)
    {
        JobDatasets.CheckInputPaths(job);
        var text = CbowDataset.Load(job.Corpus!, job.Valid, job.MinCount);
        CbowTrainer.CheckSubsample(text.Counts, job.Cbow);
        return new CbowData(text, job.Cbow);
    }

    public override string Describe() => $"{Text.Train.Words.Length} training words, vocabulary {Text.Vocabulary.Count}";

    public override ModelSpec Spec(JobDefinition job)
    {
        var spec = job.ToModelSpec(Text.Vocabulary.Count);
        spec.Validate();
        return spec;
    }

    public override int Windows(TrainingOptions options) => CbowGradient.Windows(Text.Train.Words.Length, options.Batch);

    /// <summary>The centre words with a context in the epoch's first windows, after that epoch's subsampling (see <see cref="CbowEpoch.CentresIn"/>).</summary>
    public override long TokensInWindows(int epoch, int windows, TrainingOptions options)
    {
        if (_epoch is not { } cached || cached.Seed != options.Seed || cached.Epoch != epoch)
        {
            var keep = CbowEpoch.KeepProbabilities(Text.Counts, Settings.Subsample);
            _epoch = cached = (options.Seed, epoch, new CbowEpoch(Text.Train, keep, options.Seed, epoch - 1));
        }

        return cached.View.CentresIn(0, (int)Math.Min(Text.Train.Words.Length, (long)windows * options.Batch));
    }

    public override TaskCorpus Corpus(ModelSpec spec, TrainingOptions options) => _corpus ??= TaskCorpora.Pack(Text.Train, Text.Counts, Settings, options.Batch);

    public override (double Measure, SplitScores? Scores) Validate(JobDefinition job, ModelSpec spec, float[] weights) => (CbowTrainer.ValidPerplexity(spec, Settings, weights, Text), null);

    public override FinalEvaluation Finish(JobDefinition job, ModelSpec spec, float[] weights, IReadOnlyDictionary<string, float[]> optimizerState,
        long steps, object metadata)
    {
        string? outPath = null;
        if (job.Out is { } path)
        {
            new WordVectors(Text.Vocabulary.Tokens, weights[..(spec.VocabSize * spec.Hidden)], spec.Hidden).Write(path);
            outPath = Path.GetFullPath(path);
        }

        return new FinalEvaluation(null, outPath, Words: CbowGradient.WordsWalked(steps, Text.Train.Words.Length, job.Training.Batch));
    }
}
