namespace RnnCluster.Core.Models;

public enum CellType
{
    Rnn,
    Lstm,
    Gru,
}

public static class CellTypes
{
    public static CellType Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "rnn" or "tanh" => CellType.Rnn,
        "lstm" => CellType.Lstm,
        "gru" => CellType.Gru,
        _ => throw new ArgumentException($"unknown model '{text}': expected rnn, lstm or gru"),
    };

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
