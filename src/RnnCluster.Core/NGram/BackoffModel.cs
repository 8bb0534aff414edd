using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.NGram;

/// <summary>
/// An n-gram language model in backoff form (the ARPA format's): each stored n-gram h·w has
/// log10 p(w | h), each stored context h a log10 backoff weight b(h), and an n-gram that is not
/// stored is scored as p(w | h) = b(h) · p(w | h without its oldest token). An interpolated
/// Kneser-Ney model (<see cref="KneserNeyEstimator"/>) is exactly representable this way.
/// Sentences: the context of a sentence's first token is the start symbol <see cref="SentenceStart"/>
/// (id <see cref="StartId"/> = vocabulary size), and <c>&lt;eos&gt;</c>, the last token of every
/// line, is predicted like any word and ends the sentence: no context crosses it.
/// </summary>
public sealed class BackoffModel
{
    /// <summary>The sentence-start symbol's spelling in ARPA files.</summary>
    public const string SentenceStart = "<s>";

    /// <summary>The log10 probability ARPA files give the start symbol, which is never predicted.</summary>
    public const float NeverPredicted = -99f;

    private readonly Dictionary<UInt128, Entry>[] _tables;
    private readonly NGramKeys _keys;
    private readonly int _endOfSentence;

    /// <param name="tables">Per order 1…N (index 0 unused): n-gram key → log10 probability and backoff.</param>
    internal BackoffModel(Vocabulary vocabulary, Dictionary<UInt128, Entry>[] tables)
    {
        Vocabulary = vocabulary;
        _tables = tables;
        _keys = new NGramKeys(vocabulary.Count + 1, Order);
        _endOfSentence = vocabulary.TryGetId(SpecialTokens.EndOfSentence, out var eos) ? eos : -1;
    }

    /// <summary>The predicted tokens; the start symbol is not one of them.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>Longest n-gram, N.</summary>
    public int Order => _tables.Length - 1;

    /// <summary>The start symbol's id: one past the vocabulary.</summary>
    public int StartId => Vocabulary.Count;

    internal NGramKeys Keys => _keys;

    /// <summary>Stored n-grams of order <paramref name="order"/> (1…N).</summary>
    public int Count(int order) => _tables[order].Count;

    internal IReadOnlyDictionary<UInt128, Entry> Table(int order) => _tables[order];

    /// <summary>
    /// log10 p(<paramref name="word"/> | <paramref name="history"/>), the history oldest first (its last
    /// N − 1 tokens are used; it may begin with <see cref="StartId"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The word is not a vocabulary id.</exception>
    public double Log10Probability(ReadOnlySpan<int> history, int word)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(word);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(word, Vocabulary.Count);
        var length = Math.Min(history.Length, Order - 1);
        history = history[^length..];

        // contexts[m]: the key of the history's last m tokens.
        Span<UInt128> contexts = stackalloc UInt128[length + 1];
        for (var m = 1; m <= length; m++)
        {
            contexts[m] = _keys.Prepend(contexts[m - 1], m - 1, history[length - m]);
        }

        // The longest stored n-gram ending in the word: every suffix of a stored n-gram is stored.
        var found = 0;
        var log10 = 0.0;
        for (var k = 1; k <= length + 1 && _tables[k].TryGetValue(_keys.Append(contexts[k - 1], word), out var entry); k++)
        {
            found = k;
            log10 = entry.Log10Probability;
        }

        if (found == 0)
        {
            throw new InvalidOperationException($"the model stores no unigram for token id {word}: the file is incomplete");
        }

        // Backed off from every longer context: add their weights (log10 1 = 0 for a context never seen).
        for (var m = found; m <= length; m++)
        {
            if (_tables[m].TryGetValue(contexts[m], out var context))
            {
                log10 += context.Log10Backoff;
            }
        }

        return log10;
    }

    /// <summary>
    /// Cross-entropy of <paramref name="ids"/> as the recurrent models' evaluation counts it: every
    /// token predicted once (<c>&lt;eos&gt;</c> included), each sentence's context starting at the
    /// start symbol. Loss in nats.
    /// </summary>
    public Evaluator.Result Evaluate(ReadOnlySpan<int> ids)
    {
        var history = new SentenceHistory(Order, StartId, _endOfSentence);
        var loss = 0.0;
        foreach (var id in ids)
        {
            loss -= Log10Probability(history.Tokens, id) * Math.Log(10);
            history.Push(id);
        }

        return new Evaluator.Result(loss, ids.Length);
    }

    /// <summary>An n-gram's log10 probability and, when it is a context, its log10 backoff weight (0 otherwise).</summary>
    internal readonly record struct Entry(float Log10Probability, float Log10Backoff);
}
