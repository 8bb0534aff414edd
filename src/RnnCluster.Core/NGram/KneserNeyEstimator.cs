using System.Runtime.InteropServices;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.NGram;

/// <summary>
/// Interpolated modified Kneser-Ney estimation (Chen &amp; Goodman 1998, §3 and eq. 26), as SRILM's
/// <c>-kndiscount -interpolate</c> and KenLM's <c>lmplz</c> estimate it, without pruning:
/// <list type="bullet">
/// <item>adjusted counts a(g): the raw count for the highest order and for n-grams that begin at a
/// sentence start; otherwise the continuation count N1+(• g), the number of distinct tokens seen
/// before g;</item>
/// <item>three discounts per order from that order's counts of adjusted counts
/// (<see cref="KneserNeyDiscounts"/>);</item>
/// <item>p(w | h) = (a(h·w) − D(a(h·w))) / Σ_v a(h·v) + γ(h) · p(w | h′), with
/// γ(h) = (D1·N1(h•) + D2·N2(h•) + D3·N3+(h•)) / Σ_v a(h·v) and h′ the context without its oldest
/// token; the unigrams interpolate with the uniform distribution over the vocabulary.</item>
/// </list>
/// The result is stored in backoff form (<see cref="BackoffModel"/>): p of every seen n-gram, γ(h) as
/// the backoff weight of every seen context.
/// </summary>
public static class KneserNeyEstimator
{
    /// <param name="ids">The training text as vocabulary ids; each <c>&lt;eos&gt;</c> ends a sentence.</param>
    /// <param name="vocabulary">The tokens to predict (the recurrent models' vocabulary).</param>
    /// <param name="order">N, the longest n-gram (5 for the course's KN-5).</param>
    /// <exception cref="ArgumentException">No tokens, an id outside the vocabulary, a vocabulary holding
    /// <c>&lt;s&gt;</c>, or an order too long for 128-bit keys.</exception>
    public static BackoffModel Estimate(ReadOnlySpan<int> ids, Vocabulary vocabulary, int order)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        if (ids.IsEmpty)
        {
            throw new ArgumentException("an n-gram model needs at least one training token");
        }

        if (vocabulary.Contains(BackoffModel.SentenceStart))
        {
            throw new ArgumentException($"the training text holds the token {BackoffModel.SentenceStart}, which n-gram models reserve for the start of a sentence; rename it in the corpus");
        }

        var keys = new NGramKeys(vocabulary.Count + 1, order);
        var start = vocabulary.Count;
        var raw = CountRaw(ids, vocabulary, order, keys, start);
        var adjusted = Adjust(raw, order, keys, start);
        var tables = new Dictionary<UInt128, BackoffModel.Entry>[order + 1];
        tables[0] = [];

        // Bottom-up: an order's interpolated probabilities need the order below's (as doubles).
        Dictionary<UInt128, double>? lower = null;
        for (var k = 1; k <= order; k++)
        {
            var discounts = Discounts(adjusted[k]);
            var contexts = ContextTotals(adjusted[k], keys, discounts);
            var probabilities = k == 1
                ? UnigramProbabilities(adjusted[1], discounts, contexts[0], vocabulary.Count)
                : Probabilities(adjusted[k], k, discounts, contexts, lower!, keys);
            tables[k] = new Dictionary<UInt128, BackoffModel.Entry>(probabilities.Count + 1);
            foreach (var (gram, p) in probabilities)
            {
                tables[k][gram] = new BackoffModel.Entry((float)Math.Log10(p), 0f);
            }

            if (k == 1)
            {
                tables[1][NGramKeys.Unigram(start)] = new BackoffModel.Entry(BackoffModel.NeverPredicted, 0f);
            }
            else
            {
                SetBackoffs(tables[k - 1], contexts);
            }

            lower = probabilities;
        }

        return new BackoffModel(vocabulary, tables);
    }

    /// <summary>p(w) for every vocabulary word: discounted continuation counts plus γ spread uniformly.</summary>
    private static Dictionary<UInt128, double> UnigramProbabilities(Dictionary<UInt128, long> adjusted, KneserNeyDiscounts discounts, (double Sum, double Gamma) total, int words)
    {
        var probabilities = new Dictionary<UInt128, double>(words);
        for (var w = 0; w < words; w++)
        {
            var count = adjusted.GetValueOrDefault(NGramKeys.Unigram(w));
            var discounted = count > 0 ? (count - discounts.For(count)) / total.Sum : 0;
            probabilities[NGramKeys.Unigram(w)] = discounted + (total.Gamma / words);
        }

        return probabilities;
    }

    /// <summary>p(w | h) for every seen order-<paramref name="k"/> n-gram h·w, interpolated with the order below's p(w | h′).</summary>
    private static Dictionary<UInt128, double> Probabilities(Dictionary<UInt128, long> adjusted, int k, KneserNeyDiscounts discounts,
        Dictionary<UInt128, (double Sum, double Gamma)> contexts, Dictionary<UInt128, double> lower, NGramKeys keys)
    {
        var probabilities = new Dictionary<UInt128, double>(adjusted.Count);
        foreach (var (gram, count) in adjusted)
        {
            var (sum, gamma) = contexts[keys.DropNewest(gram)];
            probabilities[gram] = ((count - discounts.For(count)) / sum) + (gamma * lower[keys.DropOldest(gram, k)]);
        }

        return probabilities;
    }

    /// <summary>An order's γ(h) is the backoff weight of its context h, an n-gram of the order below.</summary>
    private static void SetBackoffs(Dictionary<UInt128, BackoffModel.Entry> lowerTable, Dictionary<UInt128, (double Sum, double Gamma)> contexts)
    {
        foreach (var (context, (_, gamma)) in contexts)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(lowerTable, context);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
            {
                throw new InvalidOperationException("a context is missing from the order below (an estimator bug)");
            }

            entry = entry with { Log10Backoff = (float)Math.Log10(gamma) };
        }
    }

    /// <summary>Raw counts per order of every n-gram inside a sentence, the start symbol included as the oldest token.</summary>
    private static Dictionary<UInt128, long>[] CountRaw(ReadOnlySpan<int> ids, Vocabulary vocabulary, int order, NGramKeys keys, int start)
    {
        var raw = new Dictionary<UInt128, long>[order + 1];
        for (var k = 0; k <= order; k++)
        {
            raw[k] = [];
        }

        var history = new SentenceHistory(order, start, vocabulary.TryGetId(SpecialTokens.EndOfSentence, out var eos) ? eos : -1);
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)vocabulary.Count)
            {
                throw new ArgumentException($"token id {id} is outside the vocabulary of {vocabulary.Count:N0}");
            }

            // The n-grams ending at this token: its own, then with 1, 2, … tokens of its context before it.
            var context = history.Tokens;
            var gram = NGramKeys.Unigram(id);
            CollectionsMarshal.GetValueRefOrAddDefault(raw[1], gram, out _)++;
            for (var k = 2; k <= context.Length + 1; k++)
            {
                gram = keys.Prepend(gram, k - 1, context[^(k - 1)]);
                CollectionsMarshal.GetValueRefOrAddDefault(raw[k], gram, out _)++;
            }

            history.Push(id);
        }

        return raw;
    }

    /// <summary>Kneser-Ney's adjusted counts: raw at the top order and at sentence starts, else continuation counts.</summary>
    private static Dictionary<UInt128, long>[] Adjust(Dictionary<UInt128, long>[] raw, int order, NGramKeys keys, int start)
    {
        var adjusted = new Dictionary<UInt128, long>[order + 1];
        adjusted[order] = raw[order];
        for (var k = order - 1; k >= 1; k--)
        {
            var a = new Dictionary<UInt128, long>(raw[k].Count);
            foreach (var (gram, count) in raw[k])
            {
                if (k > 1 && keys.Oldest(gram, k) == start)
                {
                    a[gram] = count;
                }
            }

            foreach (var longer in raw[k + 1].Keys)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(a, keys.DropOldest(longer, k + 1), out _)++;
            }

            adjusted[k] = a;
        }

        return adjusted;
    }

    private static KneserNeyDiscounts Discounts(Dictionary<UInt128, long> adjusted)
    {
        Span<long> t = stackalloc long[5];
        foreach (var count in adjusted.Values)
        {
            if (count <= 4)
            {
                t[(int)count]++;
            }
        }

        return KneserNeyDiscounts.Estimate(t[1], t[2], t[3], t[4]);
    }

    /// <summary>Per context h: Σ_v a(h·v) and γ(h).</summary>
    private static Dictionary<UInt128, (double Sum, double Gamma)> ContextTotals(Dictionary<UInt128, long> adjusted, NGramKeys keys, KneserNeyDiscounts discounts)
    {
        var totals = new Dictionary<UInt128, (double Sum, double Mass)>();
        foreach (var (gram, count) in adjusted)
        {
            ref var total = ref CollectionsMarshal.GetValueRefOrAddDefault(totals, keys.DropNewest(gram), out _);
            total = (total.Sum + count, total.Mass + discounts.For(count));
        }

        var result = new Dictionary<UInt128, (double Sum, double Gamma)>(totals.Count);
        foreach (var (context, (sum, mass)) in totals)
        {
            result[context] = (sum, mass / sum);
        }

        return result;
    }
}
