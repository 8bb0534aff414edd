namespace RnnCluster.Cluster.Actors;

/// <summary>
/// Reused room for the values of a step's embedding rows (rows × H floats, row after row), grown to
/// the largest step seen instead of sized for the whole embedding matrix: a step touches at most one
/// row per token (PTB small: ≤ 400 of 10,000 rows, 0.3 of 8 MB).
/// </summary>
internal sealed class RowValuesBuffer(int rowLength)
{
    private float[] _values = [];

    /// <summary>Room for <paramref name="rows"/> rows (contents left from earlier use). A view handed out stays valid after the buffer grows.</summary>
    public float[] For(int rows)
    {
        var length = rows * rowLength;
        if (_values.Length < length)
        {
            _values = new float[Math.Max(length, _values.Length * 2)];
        }

        return _values;
    }
}
