using System.Runtime.InteropServices;

namespace RnnCluster.Core.Text;

/// <summary>A fixed, ordered token ↔ id mapping; ids are positions in <see cref="Tokens"/>.</summary>
public sealed class Vocabulary
{
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    private Vocabulary(string[] tokens, Dictionary<string, int> ids)
    {
        _tokens = tokens;
        _ids = ids;
        UnknownId = ids.TryGetValue(SpecialTokens.Unknown, out var unknown) ? unknown : -1;
    }

    public IReadOnlyList<string> Tokens => _tokens;

    public int Count => _tokens.Length;

    /// <summary>The id of <c>&lt;unk&gt;</c>, or -1 when the vocabulary has none.</summary>
    public int UnknownId { get; }

    public bool Contains(string token) => _ids.ContainsKey(token);

    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>The id of <paramref name="token"/>, or <see cref="UnknownId"/> for a token outside the vocabulary.</summary>
    /// <exception cref="ArgumentException">The token is unknown and there is no <c>&lt;unk&gt;</c>.</exception>
    public int IdOf(string token)
    {
        if (_ids.TryGetValue(token, out var id))
        {
            return id;
        }

        if (UnknownId >= 0)
        {
            return UnknownId;
        }

        // No parameter name: the message reaches users whole (".. (Parameter 'token')" would be noise).
        throw new ArgumentException(
            $"token {QuotedText.Quote(token)} is not in the vocabulary, which has no {SpecialTokens.Unknown}");
    }

    public string TokenOf(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _tokens.Length);
        return _tokens[id];
    }

    /// <summary>Rebuilds a vocabulary from its saved token list (ids are the list positions).</summary>
    public static Vocabulary FromTokens(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0)
        {
            throw new ArgumentException("a vocabulary needs at least one token", nameof(tokens));
        }

        var copy = new string[tokens.Count];
        var ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var i = 0; i < copy.Length; i++)
        {
            var token = tokens[i];
            if (string.IsNullOrEmpty(token))
            {
                throw new ArgumentException($"vocabulary entry {i} is empty", nameof(tokens));
            }

            if (!ids.TryAdd(token, i))
            {
                throw new ArgumentException(
                    $"token {QuotedText.Quote(token)} appears twice in the vocabulary (ids {ids[token]} and {i})", nameof(tokens));
            }

            copy[i] = token;
        }

        return new Vocabulary(copy, ids);
    }

    /// <summary>
    /// Builds the vocabulary of a training token stream. Ids are ordered by descending count, ties by
    /// ordinal string order. Tokens seen fewer than <paramref name="minCount"/> times, or beyond
    /// <paramref name="maxVocab"/> entries in all (0 = no cap, <c>&lt;unk&gt;</c> included), map to
    /// <c>&lt;unk&gt;</c>, which then counts their occurrences as its own: the order is the frequency
    /// order of the encoded training stream. Word vocabularies always hold <c>&lt;unk&gt;</c> and
    /// <c>&lt;eos&gt;</c>; character vocabularies get <c>&lt;unk&gt;</c> only when something is dropped.
    /// </summary>
    public static Vocabulary Build(IEnumerable<string> trainingTokens, TokenizerKind kind, int maxVocab = 0, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(trainingTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        if (maxVocab != 0 && maxVocab < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxVocab), maxVocab, "maxVocab must be 0 (no cap) or at least 2");
        }

        var counts = CountTokens(trainingTokens);
        if (counts.Count == 0)
        {
            throw new ArgumentException("cannot build a vocabulary from no tokens", nameof(trainingTokens));
        }

        // The special tokens are set aside so that the limits below never drop them.
        var sawUnknown = counts.Remove(SpecialTokens.Unknown, out var unknownCount);
        var hasEndOfSentence = kind == TokenizerKind.Word;
        var endOfSentenceCount = 0;
        if (hasEndOfSentence)
        {
            counts.Remove(SpecialTokens.EndOfSentence, out endOfSentenceCount);
        }

        var kept = new List<KeyValuePair<string, int>>(counts.Count);
        var droppedCount = 0;
        foreach (var entry in counts)
        {
            if (entry.Value >= minCount)
            {
                kept.Add(entry);
            }
            else
            {
                droppedCount += entry.Value;
            }
        }

        var hasUnknown = kind == TokenizerKind.Word || sawUnknown || kept.Count < counts.Count;
        var reserved = (hasUnknown ? 1 : 0) + (hasEndOfSentence ? 1 : 0);
        if (maxVocab > 0 && kept.Count + reserved > maxVocab)
        {
            if (!hasUnknown)
            {
                hasUnknown = true;
                reserved++;
            }

            kept.Sort(CompareByCountThenOrdinal);
            var room = maxVocab - reserved;
            for (var i = room; i < kept.Count; i++)
            {
                droppedCount += kept[i].Value;
            }

            kept.RemoveRange(room, kept.Count - room);
        }

        if (hasEndOfSentence)
        {
            kept.Add(new KeyValuePair<string, int>(SpecialTokens.EndOfSentence, endOfSentenceCount));
        }

        if (hasUnknown)
        {
            kept.Add(new KeyValuePair<string, int>(SpecialTokens.Unknown, unknownCount + droppedCount));
        }

        kept.Sort(CompareByCountThenOrdinal);
        var tokens = new string[kept.Count];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = kept[i].Key;
        }

        return FromTokens(tokens);
    }

    private static Dictionary<string, int> CountTokens(IEnumerable<string> tokens)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            if (string.IsNullOrEmpty(token))
            {
                throw new ArgumentException("training tokens must not be empty strings", nameof(tokens));
            }

            CollectionsMarshal.GetValueRefOrAddDefault(counts, token, out _)++;
        }

        return counts;
    }

    private static int CompareByCountThenOrdinal(KeyValuePair<string, int> a, KeyValuePair<string, int> b)
    {
        var byCount = b.Value.CompareTo(a.Value);
        return byCount != 0 ? byCount : string.CompareOrdinal(a.Key, b.Key);
    }
}
