namespace RnnCluster.Core.Models;

public enum CellType
{
    Rnn,
    Lstm,
    Gru,

    /// <summary>The course's bag-of-words classifier: the mean of a document's word embeddings → tanh hidden layers → softmax over the classes (classify only).</summary>
    Bow,

    /// <summary>The course's CBOW word embeddings (<c>--task cbow</c>): input vectors (V, d) averaged over the context, output vectors (V, d) scoring the centre word.</summary>
    Cbow,

    /// <summary>
    /// The character-aware language model (Kim et al., AAAI 2016; <c>--model char-lstm</c>): each word's
    /// characters → convolutions → max over time → highway (<see cref="CharacterWordEncoder"/>) → LSTM
    /// layers → the word softmax.
    /// </summary>
    CharLstm,
}

public static class CellTypes
{
    /// <exception cref="ArgumentException">When <paramref name="text"/> names no cell.</exception>
    public static CellType Parse(string text) => TryParse(text, out var cell)
        ? cell
        : throw new ArgumentException($"unknown model {Text.QuotedText.Quote(text)}: expected rnn, lstm, gru, char-lstm, bow (--task classify only) or cbow (--task cbow only)");

    /// <summary>rnn (or tanh), lstm, gru, char-lstm, bow or cbow, in any case; false for anything else (surrounding whitespace included: a value is taken as written).</summary>
    public static bool TryParse(string text, out CellType cell)
    {
        (var known, cell) = text.ToLowerInvariant() switch
        {
            "rnn" or "tanh" => (true, CellType.Rnn),
            "lstm" => (true, CellType.Lstm),
            "gru" => (true, CellType.Gru),
            "char-lstm" => (true, CellType.CharLstm),
            "bow" => (true, CellType.Bow),
            "cbow" => (true, CellType.Cbow),
            _ => (false, default),
        };
        return known;
    }

    public static string Name(this CellType cell) => cell == CellType.CharLstm ? "char-lstm" : cell.ToString().ToLowerInvariant();

    /// <summary>True when the recurrent layers are LSTMs (<see cref="CellType.Lstm"/> and the character-aware <see cref="CellType.CharLstm"/>).</summary>
    public static bool IsLstm(this CellType cell) => cell is CellType.Lstm or CellType.CharLstm;

    /// <summary>Gate blocks per layer: the width of the input projection is Gates·H (a bag-of-words hidden layer: 1).</summary>
    public static int Gates(this CellType cell) => cell switch
    {
        CellType.Rnn or CellType.Bow or CellType.Cbow => 1,
        CellType.Lstm or CellType.CharLstm => 4,
        CellType.Gru => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(cell)),
    };
}
