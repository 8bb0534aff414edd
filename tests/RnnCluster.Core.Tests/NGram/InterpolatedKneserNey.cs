using RnnCluster.Core.NGram;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.NGram;

/// <summary>
/// A second, direct reading of interpolated modified Kneser-Ney for the tests: n-grams as strings,
/// every probability computed by the recursion p(w | h) = (a(hw) − D)⁺ / Σ a(h·) + γ(h) p(w | h′)
/// at query time, none of the estimator's keys, tables or backoff form.
/// </summary>
internal sealed class InterpolatedKneserNey
{
    private readonly int _order;
    private readonly int _vocabularySize;
    private readonly int _start;
    private readonly Dictionary<string, long>[] _adjusted;
    private readonly KneserNeyDiscounts[] _discounts;

    public InterpolatedKneserNey(int[] ids, Vocabulary vocabulary, int order)
    {
        _order = order;
        _vocabularySize = vocabulary.Count;
        _start = vocabulary.Count;
        var eos = vocabulary.IdOf(SpecialTokens.EndOfSentence);
        var raw = new Dictionary<string, long>[order + 1];
        for (var k = 1; k <= order; k++)
        {
            raw[k] = [];
        }

        var sentence = new List<int> { _start };
        foreach (var id in ids)
        {
            sentence.Add(id);
            for (var k = 1; k <= Math.Min(order, sentence.Count); k++)
            {
                var gram = Key(sentence.Skip(sentence.Count - k));
                raw[k][gram] = raw[k].GetValueOrDefault(gram) + 1;
            }

            if (id == eos)
            {
                sentence = [_start];
            }
        }

        _adjusted = new Dictionary<string, long>[order + 1];
        _adjusted[order] = raw[order];
        for (var k = order - 1; k >= 1; k--)
        {
            _adjusted[k] = raw[k].Where(p => p.Key.StartsWith($"{_start} ", StringComparison.Ordinal)).ToDictionary();
            foreach (var longer in raw[k + 1].Keys)
            {
                var suffix = longer[(longer.IndexOf(' ', StringComparison.Ordinal) + 1)..];
                _adjusted[k][suffix] = _adjusted[k].GetValueOrDefault(suffix) + 1;
            }
        }

        _discounts = new KneserNeyDiscounts[order + 1];
        for (var k = 1; k <= order; k++)
        {
            long Of(int c) => _adjusted[k].Values.Count(v => v == c);
            _discounts[k] = KneserNeyDiscounts.Estimate(Of(1), Of(2), Of(3), Of(4));
        }
    }

    public double Probability(int[] history, int word)
    {
        var context = history.Skip(Math.Max(0, history.Length - (_order - 1))).ToArray();
        return Interpolated(context, word);
    }

    private double Interpolated(int[] context, int word)
    {
        var k = context.Length + 1;
        var lower = k == 1 ? 1.0 / _vocabularySize : Interpolated(context[1..], word);
        var prefix = k == 1 ? string.Empty : Key(context) + " ";
        var followers = _adjusted[k].Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && p.Key.Count(c => c == ' ') == k - 1).ToList();
        var sum = followers.Sum(p => (double)p.Value);
        if (sum == 0)
        {
            return lower;
        }

        var d = _discounts[k];
        var gamma = followers.Sum(p => d.For(p.Value)) / sum;
        var count = _adjusted[k].GetValueOrDefault(prefix + word);
        return (count > 0 ? (count - d.For(count)) / sum : 0) + (gamma * lower);
    }

    private static string Key(IEnumerable<int> tokens) => string.Join(' ', tokens);
}
