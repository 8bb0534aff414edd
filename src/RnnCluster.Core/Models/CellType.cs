namespace RnnCluster.Core.Models;

public enum CellType
{
    Rnn,
    Lstm,
    Gru,
}

public static class CellTypes
{
    /// <exception cref="ArgumentException">When <paramref name="text"/> names no cell.</exception>
    public static CellType Parse(string text) => TryParse(text, out var cell)
        ? cell
        : throw new ArgumentException($"unknown model {Text.QuotedText.Quote(text)}: expected rnn, lstm or gru");

    /// <summary>rnn (or tanh), lstm or gru, in any case; false for anything else.</summary>
    public static bool TryParse(string text, out CellType cell)
    {
        (var known, cell) = text.Trim().ToLowerInvariant() switch
        {
            "rnn" or "tanh" => (true, CellType.Rnn),
            "lstm" => (true, CellType.Lstm),
            "gru" => (true, CellType.Gru),
            _ => (false, default),
        };
        return known;
    }

    public static string Name(this CellType cell) => cell.ToString().ToLowerInvariant();

    /// <summary>Gate blocks per layer: the width of the input projection is Gates·H.</summary>
    public static int Gates(this CellType cell) => cell switch
    {
        CellType.Rnn => 1,
        CellType.Lstm => 4,
        CellType.Gru => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(cell)),
    };
}
