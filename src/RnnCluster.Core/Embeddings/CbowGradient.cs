using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Embeddings;

/// <summary>
/// The <see cref="IGradientSource"/> of CBOW word embeddings: an epoch walks the corpus's N positions in
/// order, B at a time, so it has ⌈N / B⌉ windows; a window's kept positions (after subsampling, see
/// <see cref="CbowEpoch"/>) are the centre words of its step. The B slots are cut into stream groups as a
/// language model's streams are (see <see cref="StreamGroups"/>): each group sums its centres' gradients
/// into its own buffer, the groups run in parallel and are summed along the groups' tree, so the result
/// does not depend on the thread count. The gradient is sparse in rows: only the rows of the step's
/// context, centre and negative words (all output rows under the full softmax) are non-zero.
/// </summary>
public sealed class CbowGradient : IRowGradientSource
{
    private const int MaxContext = 200;
    private readonly SentenceCorpus _corpus;
    private readonly CbowSettings _settings;
    private readonly double[]? _keep;
    private readonly NegativeSampler? _sampler;
    private readonly int _batch;
    private readonly int[] _groupFirst; // per local group: its first slot among the window's B
    private readonly int[] _groupSize;  // per local group: its slots
    private readonly Group[] _workspaces;
    private readonly float[] _gradient;
    private readonly double[] _losses; // per group, summed along the plan each step
    private readonly float[] _weights;
    private readonly IReadOnlyList<(int Into, int From)> _plan;
    private readonly int _threads;
    private readonly int _rowsLength;
    private readonly int _dim;
    private GradientSupport _support;
    private bool _writtenOut = true;
    private CbowEpoch? _epoch;
    private long _epochNumber = -1;
    private ulong _epochSeed;

    /// <param name="spec">A CBOW model (<see cref="CellType.Cbow"/>) over the corpus's vocabulary.</param>
    /// <param name="weights">The weights every group computes on (the spec's layout); referenced, not copied.</param>
    /// <param name="counts">Each word's training count (id order), for subsampling and the negative table.</param>
    /// <param name="batch">B, corpus positions per step.</param>
    /// <param name="groups">Stream groups G (1 ≤ G ≤ B).</param>
    /// <param name="threads">Groups computed at once (≥ 1).</param>
    public CbowGradient(ModelSpec spec, CbowSettings settings, float[] weights, SentenceCorpus corpus, IReadOnlyList<long> counts, int batch, int groups, int threads)
        : this(spec, settings, weights, corpus, counts, batch, 0, new StreamGroups(batch, groups).Sizes(), threads)
    {
    }

    /// <summary>
    /// The gradient of a contiguous run of stream groups of the window's B slots only: one node of the
    /// summation tree (a cluster worker's share, see <see cref="StreamGroups.CutIntoNodes"/>), summed
    /// along that node's subtree, so the node's partial sum is bitwise the one a single process forms.
    /// </summary>
    /// <param name="firstSlot">The first slot of these groups among the window's B.</param>
    /// <param name="groupSizes">Slots per group, in order (each ≥ 1; first slot + their sum ≤ B).</param>
    /// <exception cref="ArgumentException">When the groups do not fit in the batch.</exception>
    public CbowGradient(ModelSpec spec, CbowSettings settings, float[] weights, SentenceCorpus corpus, IReadOnlyList<long> counts, int batch,
        int firstSlot, IReadOnlyList<int> groupSizes, int threads)
    {
        if (groupSizes.Count == 0 || groupSizes.Any(s => s < 1) || firstSlot < 0 || firstSlot + groupSizes.Sum() > batch)
        {
            throw new ArgumentException($"groups of [{string.Join(", ", groupSizes)}] slots from slot {firstSlot} do not fit a batch of {batch}");
        }

        var groups = groupSizes.Count;
        _groupSize = [.. groupSizes];
        _groupFirst = new int[groups];
        for (var g = 1; g < groups; g++)
        {
            _groupFirst[g] = _groupFirst[g - 1] + _groupSize[g - 1];
        }

        for (var g = 0; g < groups; g++)
        {
            _groupFirst[g] += firstSlot;
        }

        _corpus = corpus;
        _settings = settings;
        _weights = weights;
        _keep = CbowEpoch.KeepProbabilities(counts, settings.Subsample);
        _sampler = settings.Negatives > 0 ? new NegativeSampler(counts) : null;
        _batch = batch;
        _dim = spec.Hidden;
        _rowsLength = weights.Length;
        _workspaces = [.. Enumerable.Range(0, groups).Select(_ => new Group(spec.VocabSize, spec.Hidden, settings.Negatives))];
        _gradient = new float[weights.Length];
        _losses = new double[groups];
        _plan = StreamGroups.SummationPlan([.. Enumerable.Range(0, groups).Select(g => (g, 1))]);
        _threads = Math.Max(1, threads);
        _support = new GradientSupport(_rowsLength, _dim, []);
        WindowCount = Windows(corpus.Words.Length, batch);
    }

    /// <summary>
    /// Corpus positions the first <paramref name="steps"/> steps of a run walk, subsampled words included
    /// (word2vec's "words" of words/s): whole epochs of N, then B a window.
    /// </summary>
    public static long WordsWalked(long steps, int words, int batch)
    {
        var windows = Windows(words, batch);
        return (steps / windows * words) + Math.Min(words, steps % windows * batch);
    }

    /// <summary>Steps an epoch of <paramref name="words"/> corpus positions takes, B at a time: ⌈N / B⌉.</summary>
    public static int Windows(int words, int batch) => (int)(((long)words + batch - 1) / batch);

    /// <inheritdoc/>
    public int WindowCount { get; }

    /// <inheritdoc/>
    /// <remarks>Written out from <see cref="Rows"/> when first read after a <see cref="Compute"/>; zero outside <see cref="Support"/>.</remarks>
    public float[] Gradient
    {
        get
        {
            WriteOut();
            return _gradient;
        }
    }

    /// <inheritdoc/>
    public GradientSupport Support
    {
        get
        {
            WriteOut();
            return _support;
        }
    }

    /// <inheritdoc/>
    /// <remarks>Overwritten by the next <see cref="Compute"/>.</remarks>
    public GradientRows Rows => _workspaces[0].Rows;

    /// <summary>Corpus positions the steps so far have walked, subsampled words included (word2vec's and fastText's "words" of words/s).</summary>
    public long WordsProcessed { get; private set; }

    /// <summary>
    /// The gradient of <c>lossScale · Σ loss</c> over the centre words of window <paramref name="window"/>
    /// (see <see cref="CbowObjective"/>). The epoch is <c>(step − window) / WindowCount</c>, so a
    /// restored run subsamples alike. Returns (Σ loss in nats, centre words).
    /// </summary>
    public StepGradient Compute(int window, long step, ulong seed, float lossScale)
    {
        var epochNumber = (step - window) / WindowCount;
        if (_epoch is null || epochNumber != _epochNumber || seed != _epochSeed)
        {
            _epoch = new CbowEpoch(_corpus, _keep, seed, epochNumber);
            _epochNumber = epochNumber;
            _epochSeed = seed;
        }

        var epoch = _epoch;
        var start = (long)window * _batch;
        var n = _corpus.Words.Length;
        WordsProcessed += Math.Min(n, start + _batch) - start;
        Parallel.For(0, _workspaces.Length, new ParallelOptions { MaxDegreeOfParallelism = _threads }, g =>
        {
            var w = _workspaces[g];
            w.Rows.Clear();
            w.LossSum = 0;
            w.Centres = 0;
            var from = (int)Math.Min(n, start + _groupFirst[g]);
            var to = (int)Math.Min(n, start + _groupFirst[g] + _groupSize[g]);
            var (first, end) = epoch.KeptIn(from, to);
            var loss = 0.0;
            for (var k = first; k < end; k++)
            {
                var (target, count, random) = epoch.Centre(k, _settings.Window, w.Context);
                if (count == 0)
                {
                    continue; // a one-word sentence has no context
                }

                _sampler?.Fill(w.Negatives, random);
                loss += w.Objective.Loss(_weights, w.Context.AsSpan(0, count), target, w.Negatives, _sampler is null, w.Rows, lossScale);
                w.Centres++;
            }

            w.LossSum = loss;
        });

        // The groups' sums along the tree, each row added as a full-layout sum would add it.
        foreach (var (into, from) in _plan)
        {
            _workspaces[into].Rows.Add(_workspaces[from].Rows);
        }

        _writtenOut = false;
        var centres = 0L;
        for (var g = 0; g < _workspaces.Length; g++)
        {
            _losses[g] = _workspaces[g].LossSum;
            centres += _workspaces[g].Centres;
        }

        return new StepGradient(TreeReduction.Sum(_plan, _losses), centres);
    }

    /// <summary>Writes <see cref="Rows"/> into the layout-sized gradient (the last step's rows zeroed first) and sets the support.</summary>
    private void WriteOut()
    {
        if (_writtenOut)
        {
            return;
        }

        foreach (var row in _support.Rows)
        {
            _gradient.AsSpan(row * _dim, _dim).Clear();
        }

        _support = _support with { Rows = Rows.CopyTo(_gradient) };
        _writtenOut = true;
    }

    /// <inheritdoc/>
    /// <remarks>CBOW carries no state across windows.</remarks>
    public void ResetState()
    {
    }

    /// <summary>A stream group's workspace: its sparse gradient rows and its sums.</summary>
    private sealed class Group(int vocab, int dim, int negatives)
    {
        public GradientRows Rows { get; } = new(2 * vocab, dim);

        public CbowObjective Objective { get; } = new(vocab, dim);

        public int[] Context { get; } = new int[MaxContext];

        public int[] Negatives { get; } = new int[negatives];

        public double LossSum { get; set; }

        public int Centres { get; set; }
    }
}
