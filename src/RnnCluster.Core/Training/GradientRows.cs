namespace RnnCluster.Core.Training;

/// <summary>
/// A sparse gradient over the rows of a layout that is all rows of d floats (CBOW's: row r &lt; V is
/// input word r, V + j output word j), stored compactly: each row written gets the next d-float slot
/// of one small array, so a step that touches a few thousand of the rows works in a few hundred
/// kilobytes, and its norm, clipping and SGD step (see <see cref="ParameterUpdate.ApplyRows"/>) touch
/// the layout-sized weights once per row instead of also reading and writing a layout-sized gradient.
/// </summary>
public sealed class GradientRows
{
    private readonly int[] _slotOf; // per row: its slot, or −1
    private readonly List<int> _rows = [];
    private float[] _values;
    private int[] _sortedRows = [], _slots = []; // SumOfSquares' buffers, reused step after step
    private double[] _squares = [];

    /// <param name="rows">2V, the rows a CBOW layout has.</param>
    /// <param name="dim">d, floats per row.</param>
    public GradientRows(int rows, int dim)
    {
        Dim = dim;
        _slotOf = new int[rows];
        Array.Fill(_slotOf, -1);
        _values = new float[1024 * dim];
    }

    public int Dim { get; }

    /// <summary>The rows written since the last <see cref="Clear"/>, in the order first written.</summary>
    public IReadOnlyList<int> Rows => _rows;

    /// <summary>Row <paramref name="row"/>'s d floats to add into (zero when first asked for).</summary>
    public Span<float> Row(int row)
    {
        var slot = _slotOf[row];
        if (slot < 0)
        {
            slot = _rows.Count;
            _slotOf[row] = slot;
            _rows.Add(row);
            if ((slot + 1) * Dim > _values.Length)
            {
                Array.Resize(ref _values, _values.Length * 2);
            }
        }

        return _values.AsSpan(slot * Dim, Dim);
    }

    /// <summary>Adds every row of <paramref name="other"/> into this one's (rows this one lacks start at zero).</summary>
    public void Add(GradientRows other)
    {
        for (var i = 0; i < other._rows.Count; i++)
        {
            var into = Row(other._rows[i]);
            System.Numerics.Tensors.TensorPrimitives.Add(into, other._values.AsSpan(i * Dim, Dim), into);
        }
    }

    /// <summary>Writes every row into <paramref name="gradient"/> (a layout-sized vector, row r at r·d) and returns the rows, sorted.</summary>
    public int[] CopyTo(float[] gradient)
    {
        var rows = _rows.ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            _values.AsSpan(i * Dim, Dim).CopyTo(gradient.AsSpan(rows[i] * Dim, Dim));
        }

        Array.Sort(rows);
        return rows;
    }

    /// <summary>
    /// Σ g² over the rows, each row's sum (<see cref="Numerics.Ops.SumOfSquares"/>) added in ascending
    /// row order: the bits <see cref="GradientSupport.SumOfSquares"/> gives on the same
    /// gradient written out (whose dense part is empty).
    /// </summary>
    public double SumOfSquares()
    {
        var count = _rows.Count;
        EnsureCapacity(ref _sortedRows, count);
        EnsureCapacity(ref _slots, count);
        EnsureCapacity(ref _squares, count);
        var rows = _sortedRows.AsSpan(0, count);
        var slots = _slots.AsSpan(0, count);
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_rows).CopyTo(rows);
        for (var i = 0; i < count; i++)
        {
            slots[i] = i;
        }

        rows.Sort(slots);
        var (order, squares) = (_slots, _squares);
        GradientSupport.ForRowChunks(count, (from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                squares[i] = Numerics.Ops.SumOfSquares(_values.AsSpan(order[i] * Dim, Dim));
            }
        });
        return GradientSupport.CombineSquares([new ArraySegment<double>(squares, 0, count)]);
    }

    private static void EnsureCapacity<T>(ref T[] buffer, int count)
    {
        if (buffer.Length < count)
        {
            buffer = new T[Math.Max(count, buffer.Length * 2)];
        }
    }

    /// <summary>g ← factor·g on every row.</summary>
    public void Scale(float factor)
    {
        var values = _values.AsSpan(0, _rows.Count * Dim);
        System.Numerics.Tensors.TensorPrimitives.Multiply(values, factor, values);
    }

    /// <summary>SGD on the rows written: w[r] ← w[r] − lr·g[r] for each row r (weights: the layout-sized vector, row r at r·d).</summary>
    public void SgdStep(float[] weights, float learningRate)
    {
        GradientSupport.ForRowChunks(_rows.Count, (from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                var w = weights.AsSpan(_rows[i] * Dim, Dim);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_values.AsSpan(i * Dim, Dim), -learningRate, w, w);
            }
        });
    }

    /// <summary>No row written: every slot released and zeroed.</summary>
    public void Clear()
    {
        foreach (var row in _rows)
        {
            _slotOf[row] = -1;
        }

        _values.AsSpan(0, _rows.Count * Dim).Clear();
        _rows.Clear();
    }
}
