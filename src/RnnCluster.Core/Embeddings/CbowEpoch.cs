using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Embeddings;

/// <summary>
/// One epoch's view of a <see cref="SentenceCorpus"/> after subsampling frequent words: which
/// positions are kept, and the kept words of each sentence, between which context windows are cut
/// (as word2vec drops a subsampled word before windowing). Whether position p is kept, and the window
/// its centre draws, are counter-based random numbers of (seed, epoch, p), so any split of the
/// positions over threads or workers sees the same epoch.
/// </summary>
public sealed class CbowEpoch
{
    private const ulong SubsampleTag = 0x53554253414D50UL; // "SUBSAMP"
    private const ulong CentreTag = 0x43454E545245UL; // "CENTRE"
    private readonly SentenceCorpus _corpus;
    private readonly int[] _kept; // positions kept, in order
    private readonly int[] _rank; // per position: kept positions before it
    private readonly int[] _sentenceOfKept; // per kept index: the kept index where its sentence starts
    private readonly int[] _sentenceEnd; // per kept index: one past its sentence's last kept index
    private readonly ulong _seed;
    private readonly long _epoch;

    /// <param name="keepProbability">Per word id, the probability it is kept (see <see cref="KeepProbabilities"/>); null keeps all.</param>
    public CbowEpoch(SentenceCorpus corpus, double[]? keepProbability, ulong seed, long epoch)
    {
        _corpus = corpus;
        _seed = seed;
        _epoch = epoch;
        var words = corpus.Words;
        _rank = new int[words.Length + 1];
        var kept = new List<int>(words.Length);
        var sentenceOf = new List<int>(words.Length);
        var ends = new int[words.Length];
        for (var sentence = 0; sentence < corpus.Sentences; sentence++)
        {
            var first = kept.Count;
            for (var p = corpus.SentenceStarts[sentence]; p < corpus.SentenceStarts[sentence + 1]; p++)
            {
                _rank[p] = kept.Count;
                if (keepProbability is null || Uniform(Rng.Hash(seed, SubsampleTag, (ulong)epoch, (ulong)p)) < keepProbability[words[p]])
                {
                    kept.Add(p);
                    sentenceOf.Add(first);
                }
            }

            for (var k = first; k < kept.Count; k++)
            {
                ends[k] = kept.Count;
            }

        }

        _rank[words.Length] = kept.Count;
        _kept = [.. kept];
        _sentenceOfKept = [.. sentenceOf];
        _sentenceEnd = ends;
    }

    /// <summary>Kept positions in [<paramref name="from"/>, <paramref name="to"/>) as a range of kept indices.</summary>
    public (int First, int End) KeptIn(int from, int to) => (_rank[from], _rank[to]);

    /// <summary>
    /// Centre words with a context among positions [<paramref name="from"/>, <paramref name="to"/>): the
    /// kept positions whose sentence keeps another word (a window of 1 or more then reaches it), which
    /// is what training steps over those positions count.
    /// </summary>
    public long CentresIn(int from, int to)
    {
        var (first, end) = KeptIn(from, to);
        long centres = 0;
        for (var k = first; k < end; k++)
        {
            if (_sentenceEnd[k] - _sentenceOfKept[k] >= 2)
            {
                centres++;
            }
        }

        return centres;
    }

    /// <summary>
    /// The centre word of kept index <paramref name="k"/> and its context (the kept words within a
    /// window of 1..<paramref name="window"/> drawn for it, inside its sentence) written to
    /// <paramref name="context"/>; returns (target, context count, a random stream for the centre's
    /// negatives). <paramref name="fullWindow"/> takes all <paramref name="window"/> words each side (evaluation).
    /// </summary>
    public (int Target, int ContextCount, ulong Random) Centre(int k, int window, Span<int> context, bool fullWindow = false)
    {
        var position = _kept[k];
        var random = Rng.Hash(_seed, CentreTag, (ulong)_epoch, (ulong)position);
        var b = fullWindow ? window : 1 + (int)(random % (ulong)window);
        var lo = Math.Max(_sentenceOfKept[k], k - b);
        var hi = Math.Min(_sentenceEnd[k], k + b + 1);
        var n = 0;
        for (var j = lo; j < hi; j++)
        {
            if (j != k)
            {
                context[n++] = _corpus.Words[_kept[j]];
            }
        }

        return (_corpus.Words[position], n, random);
    }

    /// <summary>
    /// word2vec's subsampling rule: a word of count c in a corpus of N words is kept with probability
    /// min(1, (√(c/(t·N)) + 1)·t·N/c); null when <paramref name="t"/> is 0 (every word kept).
    /// </summary>
    public static double[]? KeepProbabilities(IReadOnlyList<long> counts, double t)
    {
        if (t <= 0)
        {
            return null;
        }

        var threshold = t * counts.Sum();
        return [.. counts.Select(c => Math.Min(1.0, (Math.Sqrt(c / threshold) + 1) * threshold / c))];
    }

    private static double Uniform(ulong random) => (random >> 11) * (1.0 / (1UL << 53));
}
