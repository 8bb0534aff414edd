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
            var a = adjusted[k];
            var discounts = Discounts(a);
            var contexts = ContextTotals(a, keys, discounts);
            var probabilities = new Dictionary<UInt128, double>(k == 1 ? vocabulary.Count : a.Count);
            if (k == 1)
            {
                var (sum, gamma) = contexts[0];
                for (var w = 0; w < vocabulary.Count; w++)
                {
                    var count = a.GetValueOrDefault((UInt128)(uint)w);
                    var discounted = count > 0 ? (count - discounts.For(count)) / sum : 0;
                    probabilities[(UInt128)(uint)w] = discounted + (gamma / vocabulary.Count);
                }
            }
            else
            {
                foreach (var (gram, count) in a)
                {
                    var (sum, gamma) = contexts[keys.DropNewest(gram)];
                    var backedOff = lower![keys.DropOldest(gram, k)];
                    probabilities[gram] = ((count - discounts.For(count)) / sum) + (gamma * backedOff);
                }
            }

            tables[k] = new Dictionary<UInt128, BackoffModel.Entry>(probabilities.Count + (k == 1 ? 1 : 0));
            foreach (var (gram, p) in probabilities)
            {
                tables[k][gram] = new BackoffModel.Entry((float)Math.Log10(p), 0f);
            }

            if (k == 1)
            {
                tables[1][(UInt128)(uint)start] = new BackoffModel.Entry(BackoffModel.NeverPredicted, 0f);
            }

            // This order's γ(h) is the backoff weight of context h, an n-gram of the order below.
            if (k > 1)
            {
                foreach (var (context, (_, gamma)) in contexts)
                {
                    ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(tables[k - 1], context);
                    if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
                    {
                        throw new InvalidOperationException($"order-{k - 1} context missing from the model (an estimator bug)");
                    }

                    entry = entry with { Log10Backoff = (float)Math.Log10(gamma) };
                }
            }

            lower = probabilities;
        }

        return new BackoffModel(vocabulary, tables);
    }

    /// <summary>Raw counts per order of every n-gram inside a sentence, the start symbol included as the oldest token.</summary>
    private static Dictionary<UInt128, long>[] CountRaw(ReadOnlySpan<int> ids, Vocabulary vocabulary, int order, NGramKeys keys, int start)
    {
        var raw = new Dictionary<UInt128, long>[order + 1];
        for (var k = 0; k <= order; k++)
        {
            raw[k] = [];
        }

        var endOfSentence = vocabulary.TryGetId(SpecialTokens.EndOfSentence, out var eos) ? eos : -1;
        var history = new int[order - 1]; // the sentence's last order − 1 tokens before the word, newest last
        var filled = 0;
        Restart();
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)vocabulary.Count)
            {
                throw new ArgumentException($"token id {id} is outside the vocabulary of {vocabulary.Count:N0}");
            }

            // The n-grams ending at this token: its own, then with 1, 2, … tokens before it.
            UInt128 gram = (uint)id;
            CollectionsMarshal.GetValueRefOrAddDefault(raw[1], gram, out _)++;
            for (var k = 2; k <= Math.Min(order, filled + 1); k++)
            {
                gram |= (UInt128)(uint)history[^(k - 1)] << (keys.Bits * (k - 1));
                CollectionsMarshal.GetValueRefOrAddDefault(raw[k], gram, out _)++;
            }

            if (id == endOfSentence)
            {
                Restart();
                continue;
            }

            if (order > 1)
            {
                history.AsSpan(1).CopyTo(history);
                history[^1] = id;
                filled = Math.Min(filled + 1, order - 1);
            }
        }

        return raw;

        void Restart()
        {
            if (order > 1)
            {
                history[^1] = start;
                filled = 1;
            }
        }
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
