using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Embeddings;

/// <summary>
/// Single-process training of CBOW word embeddings: the <see cref="TrainingLoop"/> of language models
/// fed by a <see cref="CbowGradient"/> (the loop's "tokens" are centre words and its perplexity is exp
/// of the mean CBOW loss per centre word), validated each epoch by <see cref="CbowEvaluator"/>.
/// </summary>
public sealed class CbowTrainer
{
    private readonly CbowDataset _data;

    /// <exception cref="ArgumentException">When an option or the spec is invalid (the message names the flag).</exception>
    public CbowTrainer(ModelSpec spec, CbowSettings settings, TrainingOptions options, CbowDataset data, ITrainingObserver? observer = null)
    {
        options.Validate();
        spec.Validate();
        settings.Validate();
        if (!spec.IsEmbedding || spec.VocabSize != data.Vocabulary.Count)
        {
            throw new ArgumentException($"the spec ({spec.Cell.Name()}, vocabulary {spec.VocabSize}) is not a CBOW model of the data's vocabulary ({data.Vocabulary.Count})");
        }

        CheckSubsample(data.Counts, settings);
        _data = data;
        Settings = settings;
        Observer = observer;
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        var groups = options.EffectiveStreamGroups(threads);
        Plan = ComputePlan.For(threads, groups, options.Deterministic);
        Loop = new TrainingLoop(spec, options, CbowGradient.Windows(data.Train.Words.Length, options.Batch));
        Source = new CbowGradient(spec, settings, Loop.Weights, data.Train, data.Counts, options.Batch, groups, Plan.ParallelGroups);
    }

    public TrainingLoop Loop { get; }

    public CbowGradient Source { get; }

    public CbowSettings Settings { get; }

    public ComputePlan Plan { get; }

    public ITrainingObserver? Observer { get; }

    /// <summary>
    /// Refuses a <c>--subsample</c> that would keep less than <see cref="MinKeptShare"/> of the training
    /// words in expectation (word2vec's rule is made for corpora of millions of words).
    /// </summary>
    /// <param name="counts">Each word's training count.</param>
    /// <exception cref="ArgumentException">Naming --subsample, the expected share and the corpus's size.</exception>
    public static void CheckSubsample(IReadOnlyList<long> counts, CbowSettings settings)
    {
        if (CbowEpoch.KeepProbabilities(counts, settings.Subsample) is { } keep)
        {
            var total = counts.Sum();
            var kept = counts.Select((c, w) => c * keep[w]).Sum() / total;
            if (kept < MinKeptShare)
            {
                throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"--subsample {settings.Subsample:G3} keeps about {kept:P0} of the {total:N0} training words (the rule is made for corpora of millions of words: t × words is the count above which a word is thinned); give a larger --subsample (fewer words thinned), or 0 (none)"));
            }
        }
    }

    /// <summary>The least share of the training words subsampling may keep in expectation before the job is refused as too small for its --subsample.</summary>
    public const double MinKeptShare = 0.2;

    public ModelSpec Spec => Loop.Spec;

    /// <summary>The run's state at a step boundary, for a checkpoint (a classifier or CBOW carries no stream state).</summary>
    public TrainingSnapshot Snapshot() => Loop.Snapshot(ModelState.Carried(Spec, Loop.Options.Batch));

    /// <summary>
    /// Continues from <paramref name="s"/> (a <see cref="Snapshot"/> of a run of the same job): weights,
    /// optimizer, cursor, sums and schedule; the data order of each epoch follows from (seed, epoch), so
    /// the run goes on bit for bit as if it had never stopped (see <see cref="TrainingLoop.Resume"/>).
    /// </summary>
    /// <exception cref="ArgumentException">When the snapshot does not fit this model and batch, or it is the end of the run.</exception>
    public void Resume(TrainingSnapshot s, double? endedEpochValid) => Loop.Resume(s, ModelState.Carried(Spec, Loop.Options.Batch), endedEpochValid);

    /// <summary>The input vectors W (V, d): the word embeddings.</summary>
    public ReadOnlySpan<float> InputVectors => Loop.Weights.AsSpan(0, Spec.VocabSize * Spec.Hidden);

    /// <summary>Trains to the end; returns the loop's summary (its perplexities are exp of mean CBOW losses).</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> is signalled.</exception>
    public TrainingSummary Run(CancellationToken cancel = default)
    {
        Plan.ConfigureGemm();
        return Loop.Run(Source, Validate, Observer, cancel);
    }

    private double Validate() => ValidPerplexity(Spec, Settings, Loop.Weights, _data);

    /// <summary>
    /// exp of the mean CBOW loss per validation centre word (full windows, negatives from a fixed seed;
    /// see <see cref="CbowEvaluator"/>): the loop's validation "perplexity".
    /// </summary>
    /// <exception cref="Text.CorpusException">When no validation word has a context word (each of its lines holds one word of the vocabulary).</exception>
    public static double ValidPerplexity(ModelSpec spec, CbowSettings settings, float[] weights, CbowDataset data)
    {
        var (loss, centres) = CbowEvaluator.Run(spec, settings, weights, data.Valid, data.Counts);
        return centres > 0
            ? Math.Exp(loss)
            : throw new Text.CorpusException("the validation text has no word with a context word: each of its lines holds at most one word of the training vocabulary; give a larger --valid");
    }

    /// <summary>
    /// word2vec's initialisation: input vectors uniform in ±InitScale (word2vec: ±0.5/d), output vectors zero.
    /// </summary>
    public static void Initialize(ModelSpec spec, ulong seed, float[] weights)
    {
        var rng = new Rng(seed);
        var inputs = spec.VocabSize * spec.Hidden;
        for (var i = 0; i < inputs; i++)
        {
            weights[i] = rng.NextFloat(-spec.InitScale, spec.InitScale);
        }

        weights.AsSpan(inputs).Clear();
    }
}
