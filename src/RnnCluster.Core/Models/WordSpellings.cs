namespace RnnCluster.Core.Models;

/// <summary>
/// How every vocabulary word is spelt, for the character-aware model (<see cref="CellType.CharLstm"/>;
/// Kim et al., "Character-Aware Neural Language Models", AAAI 2016, §2.2): word v is the symbol
/// sequence [begin-of-word] c₁ … cₙ [end-of-word], padded to <see cref="Length"/> with the padding
/// symbol. Symbols: 0 padding, 1 begin-of-word, 2 end-of-word, then the distinct UTF-16 code units of
/// the vocabulary's words in ordinal order. Words longer than <see cref="MaxLength"/> − 2 code units
/// are cut to that many (Kim et al. cap words at 65 characters). Built from the vocabulary alone, so
/// every node that holds the vocabulary (or a checkpoint's) derives the same table.
/// </summary>
public sealed class WordSpellings : IEquatable<WordSpellings>
{
    public const int Padding = 0;
    public const int BeginOfWord = 1;
    public const int EndOfWord = 2;

    /// <summary>The longest spelling in symbols, begin- and end-of-word included.</summary>
    public const int MaxLength = 65;

    private readonly int[] _ids; // (V, L) symbol ids

    private WordSpellings(int[] ids, int words, int length, int symbols, string alphabet)
    {
        _ids = ids;
        Words = words;
        Length = length;
        Symbols = symbols;
        Alphabet = alphabet;
    }

    /// <summary>V: the vocabulary's size.</summary>
    public int Words { get; }

    /// <summary>L: symbols per spelling (the longest word + 2, at least the widest convolution, at most <see cref="MaxLength"/>).</summary>
    public int Length { get; }

    /// <summary>C: the symbol alphabet's size, the three special symbols included.</summary>
    public int Symbols { get; }

    /// <summary>The characters of symbols 3 … C − 1, in order.</summary>
    public string Alphabet { get; }

    /// <summary>Word <paramref name="word"/>'s spelling: (L) symbol ids.</summary>
    public ReadOnlySpan<int> Of(int word) => _ids.AsSpan(word * Length, Length);

    /// <summary>The spellings of <paramref name="words"/>, in vocabulary order.</summary>
    /// <param name="minLength">The narrowest spelling (the widest convolution must fit one word).</param>
    /// <exception cref="ArgumentException">No words, or an empty word.</exception>
    public static WordSpellings From(IReadOnlyList<string> words, int minLength)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Count == 0)
        {
            throw new ArgumentException("a character-aware model needs a vocabulary of at least one word");
        }

        var alphabet = new SortedSet<char>(); // char's default order is ordinal
        var longest = 0;
        foreach (var word in words)
        {
            if (string.IsNullOrEmpty(word))
            {
                throw new ArgumentException("a character-aware model cannot spell an empty vocabulary word");
            }

            alphabet.UnionWith(word);
            longest = Math.Max(longest, word.Length);
        }

        var length = Math.Clamp(longest + 2, Math.Max(3, minLength), MaxLength);
        var symbolOf = new Dictionary<char, int>();
        foreach (var c in alphabet)
        {
            symbolOf[c] = symbolOf.Count + 3;
        }

        var ids = new int[checked(words.Count * length)];
        for (var v = 0; v < words.Count; v++)
        {
            var row = ids.AsSpan(v * length, length);
            var word = words[v];
            var n = Math.Min(word.Length, length - 2);
            row[0] = BeginOfWord;
            for (var i = 0; i < n; i++)
            {
                row[i + 1] = symbolOf[word[i]];
            }

            row[n + 1] = EndOfWord;
            row[(n + 2)..].Fill(Padding);
        }

        return new WordSpellings(ids, words.Count, length, symbolOf.Count + 3, new string([.. alphabet]));
    }

    public bool Equals(WordSpellings? other) => other is not null
        && (ReferenceEquals(this, other) || (Length == other.Length && Alphabet == other.Alphabet && _ids.AsSpan().SequenceEqual(other._ids)));

    public override bool Equals(object? obj) => Equals(obj as WordSpellings);

    public override int GetHashCode() => HashCode.Combine(Words, Length, Alphabet);
}
