namespace RnnCluster.Core.Training;

/// <summary>
/// Top-k gradient sparsification with error feedback, as deep gradient compression (Lin et al., ICLR
/// 2018) and Stich et al. (NeurIPS 2018, "Sparsified SGD with memory"): each call adds the new gradient
/// to the residual this node kept, sends the k = ⌈R·n⌉ entries of largest magnitude and keeps the rest
/// as the new residual, so nothing is dropped, only delayed. The selection is exact and deterministic:
/// the k-th largest magnitude is found by quickselect, ties at it go in index order. One instance keeps
/// the residual of one flat vector; segments (key ranges, the dense part) are sparsified separately.
/// </summary>
public sealed class TopKSparsifier(int length, double ratio)
{
    private readonly float[] _residual = new float[length];   // (length): what was not sent yet
    private float[] _magnitudes = [];
    private int _touchedStart = int.MaxValue;
    private int _touchedEnd;

    public double Ratio { get; } = ratio is > 0 and <= 1 ? ratio : throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "the top-k fraction must be in (0, 1]");

    /// <summary>The residual kept (for tests and diagnostics): (length).</summary>
    public ReadOnlySpan<float> Residual => _residual;

    /// <summary>[Start, End) covers every segment sparsified so far; the residual is zero outside it (empty before the first).</summary>
    public (int Start, int End) Touched => _touchedEnd == 0 ? (0, 0) : (_touchedStart, _touchedEnd);

    /// <summary>Entries sent for a segment of <paramref name="count"/> values: ⌈R·count⌉ (at least 1 when count &gt; 0).</summary>
    public int KeptOf(int count) => count == 0 ? 0 : Math.Clamp((int)Math.Ceiling(Ratio * count), 1, count);

    /// <summary>
    /// Adds <paramref name="gradient"/> (the segment's new values, (count)) into the residual at
    /// [<paramref name="start"/>, start+count), then moves its largest-magnitude entries out: returns their
    /// indices relative to <paramref name="start"/> (ascending) and values; the residual is zero there.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When the segment does not fit the vector.</exception>
    public (int[] Indices, float[] Values) Sparsify(ReadOnlySpan<float> gradient, int start)
    {
        var count = gradient.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, _residual.Length, nameof(start));
        var residual = _residual.AsSpan(start, count);
        (_touchedStart, _touchedEnd) = (Math.Min(_touchedStart, start), Math.Max(_touchedEnd, start + count));
        System.Numerics.Tensors.TensorPrimitives.Add(residual, gradient, residual);
        var k = KeptOf(count);
        if (k == 0)
        {
            return ([], []);
        }

        var threshold = KthLargestMagnitude(residual, k);
        var indices = new int[k];
        var values = new float[k];
        var above = 0;
        for (var i = 0; i < count; i++)
        {
            above += Magnitude(residual[i]) > threshold ? 1 : 0;
        }

        var ties = k - above; // entries equal to the threshold that still fit, taken in index order
        var n = 0;
        for (var i = 0; i < count && n < k; i++)
        {
            var magnitude = Magnitude(residual[i]);
            if (magnitude > threshold || (magnitude == threshold && ties-- > 0))
            {
                indices[n] = i;
                values[n++] = residual[i];
                residual[i] = 0;
            }
        }

        return (indices, values);
    }

    /// <summary>
    /// Sets the residual from <paramref name="start"/> on back to <paramref name="saved"/> (a copy of that
    /// part of <see cref="Residual"/> taken earlier), e.g. to redo an abandoned step.
    /// </summary>
    /// <exception cref="ArgumentException">When the part does not fit the vector.</exception>
    public void Restore(ReadOnlySpan<float> saved, int start = 0)
    {
        if (start < 0 || start + saved.Length > _residual.Length)
        {
            throw new ArgumentException($"a residual part of {saved.Length} values at {start} restored into one of {_residual.Length}");
        }

        saved.CopyTo(_residual.AsSpan(start));
    }

    /// <summary>The k-th largest |value| (1 ≤ k ≤ n); NaN compares as largest so a diverged gradient is sent, not hidden.</summary>
    private float KthLargestMagnitude(ReadOnlySpan<float> values, int k)
    {
        if (_magnitudes.Length < values.Length)
        {
            _magnitudes = new float[values.Length];
        }

        var a = _magnitudes.AsSpan(0, values.Length);
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = Magnitude(values[i]);
        }

        // Quickselect for the element of descending rank k−1 (Hoare partition, median-of-three pivot).
        int lo = 0, hi = a.Length - 1, target = k - 1;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var pivot = Median(a[lo], a[mid], a[hi]);
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] > pivot)
                {
                    i++;
                }

                while (a[j] < pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }

            if (target <= j)
            {
                hi = j;
            }
            else if (target >= i)
            {
                lo = i;
            }
            else
            {
                return a[target];
            }
        }

        return a[target];
    }

    private static float Magnitude(float x) => float.IsNaN(x) ? float.PositiveInfinity : Math.Abs(x);

    private static float Median(float x, float y, float z)
        => Math.Max(Math.Min(x, y), Math.Min(Math.Max(x, y), z));
}
