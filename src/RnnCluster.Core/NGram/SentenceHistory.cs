namespace RnnCluster.Core.NGram;

/// <summary>
/// The context a sentence gives its next token: the last N − 1 tokens, newest last, restarted at the
/// start symbol after each <c>&lt;eos&gt;</c> (no context crosses a sentence end). Counting and
/// evaluation walk a text through the same history.
/// </summary>
internal sealed class SentenceHistory
{
    private readonly int[] _tokens;
    private readonly int _start;
    private readonly int _endOfSentence;
    private int _filled;

    /// <param name="order">N; an order-1 model has no context.</param>
    /// <param name="endOfSentence">The id of <c>&lt;eos&gt;</c>, or -1 for a text without sentences.</param>
    public SentenceHistory(int order, int start, int endOfSentence)
    {
        _tokens = new int[order - 1];
        _start = start;
        _endOfSentence = endOfSentence;
        Restart();
    }

    /// <summary>The context, oldest first; it begins with the start symbol until the sentence is N − 1 tokens long.</summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(_tokens.Length - _filled);

    /// <summary>Moves past <paramref name="token"/>: it joins the context, or ends the sentence.</summary>
    public void Push(int token)
    {
        if (token == _endOfSentence)
        {
            Restart();
        }
        else if (_tokens.Length > 0)
        {
            _tokens.AsSpan(1).CopyTo(_tokens);
            _tokens[^1] = token;
            _filled = Math.Min(_filled + 1, _tokens.Length);
        }
    }

    private void Restart()
    {
        if (_tokens.Length > 0)
        {
            _tokens[^1] = _start;
            _filled = 1;
        }
    }
}
