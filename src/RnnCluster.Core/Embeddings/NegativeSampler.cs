namespace RnnCluster.Core.Embeddings;

/// <summary>
/// Draws negative samples from the unigram distribution raised to the power 3/4 (Mikolov et al.,
/// "Distributed representations of words and phrases", NIPS 2013, §2.2), through a table of
/// <see cref="TableSize"/> word ids (1,000 per word for a smaller vocabulary) in which word w fills a share count(w)^0.75 / Σ count^0.75 of the
/// slots, as word2vec and fastText do: a draw is one uniform slot.
/// </summary>
public sealed class NegativeSampler
{
    /// <summary>Slots in the table (fastText's size): 40 MB of ids.</summary>
    public const int TableSize = 10_000_000;

    private const double Power = 0.75;
    private readonly int[] _table;

    /// <param name="counts">Each word's training count (id order, every count ≥ 1).</param>
    public NegativeSampler(IReadOnlyList<long> counts)
    {
        var weights = counts.Select(c => Math.Pow(c, Power)).ToArray();
        var total = weights.Sum();
        _table = new int[(int)Math.Min(TableSize, Math.Max(counts.Count * 1000L, 1000))];
        var slot = 0;
        var cumulative = 0.0;
        for (var w = 0; w < weights.Length && slot < _table.Length; w++)
        {
            cumulative += weights[w] / total;
            var end = w == weights.Length - 1 ? _table.Length : (int)Math.Min(_table.Length, Math.Round(cumulative * _table.Length));
            while (slot < end)
            {
                _table[slot++] = w;
            }
        }
    }

    /// <summary>Fills <paramref name="negatives"/> with draws from the stream SplitMix64 runs from <paramref name="random"/> (a centre's counter-based random number).</summary>
    public void Fill(Span<int> negatives, ulong random)
    {
        var state = random;
        for (var i = 0; i < negatives.Length; i++)
        {
            negatives[i] = Draw(Numerics.Rng.SplitMix(ref state));
        }
    }

    /// <summary>The word of slot <paramref name="random"/> mod the table size.</summary>
    public int Draw(ulong random) => _table[(int)(random % (ulong)_table.Length)];
}
