namespace RnnCluster.Core.NGram;

/// <summary>
/// Packs an n-gram of token ids into one 128-bit key: each id takes <see cref="Bits"/> bits, the
/// newest token in the lowest bits, so dropping the newest token is a shift and dropping the oldest
/// a mask. The n-gram's length is not in the key; tables are kept per order.
/// </summary>
internal readonly struct NGramKeys
{
    /// <param name="symbols">Distinct ids (the vocabulary and the sentence-start symbol).</param>
    /// <param name="order">Longest n-gram.</param>
    /// <exception cref="ArgumentException">order × bits per id exceeds 128.</exception>
    public NGramKeys(int symbols, int order)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(symbols, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        Bits = Math.Max(1, 32 - int.LeadingZeroCount(symbols - 1));
        if (Bits * order > 128)
        {
            throw new ArgumentException($"an order-{order} model of {symbols:N0} symbols needs {Bits * order} bits per n-gram; at most 128 are supported (use a lower --order)");
        }
    }

    public int Bits { get; }

    /// <summary>The key of the one-token n-gram <paramref name="token"/>.</summary>
    public static UInt128 Unigram(int token) => (uint)token;

    /// <summary>The n-gram of <paramref name="length"/> tokens extended by <paramref name="token"/> as its oldest token.</summary>
    public UInt128 Prepend(UInt128 key, int length, int token) => key | ((UInt128)(uint)token << (Bits * length));

    /// <summary>Writes the tokens of the n-gram of <paramref name="tokens"/>.Length tokens, oldest first.</summary>
    public void Unpack(UInt128 key, Span<int> tokens)
    {
        for (var i = tokens.Length - 1; i >= 0; i--)
        {
            tokens[i] = Newest(key);
            key = DropNewest(key);
        }
    }

    /// <summary>The n-gram extended by <paramref name="token"/> as its newest token.</summary>
    public UInt128 Append(UInt128 key, int token) => (key << Bits) | (uint)token;

    /// <summary>The n-gram without its newest token: its context.</summary>
    public UInt128 DropNewest(UInt128 key) => key >> Bits;

    /// <summary>The n-gram of <paramref name="length"/> tokens without its oldest: the lower order's n-gram.</summary>
    public UInt128 DropOldest(UInt128 key, int length) => key & LowBits(Bits * (length - 1));

    public int Oldest(UInt128 key, int length) => (int)(key >> (Bits * (length - 1)));

    public int Newest(UInt128 key) => (int)(key & LowBits(Bits));

    private static UInt128 LowBits(int count) => count >= 128 ? UInt128.MaxValue : (UInt128.One << count) - 1;
}
