using System.Numerics.Tensors;

namespace RnnCluster.Core.Training;

/// <summary>
/// Sums gradients along the stream groups' summation tree (see <see cref="StreamGroups"/>): the one
/// reduction of <c>train</c>, of a worker over its groups and of the parameter server over workers'
/// partial sums, so all of them round alike.
/// </summary>
public static class TreeReduction
{
    /// <summary>
    /// Runs <paramref name="plan"/> (from <see cref="StreamGroups.SummationPlan"/>) on full-layout
    /// gradients <paramref name="parts"/>, each non-zero only on its <paramref name="supports"/> entry:
    /// the dense parts element by element (split over <paramref name="threads"/> threads), the embedding
    /// rows only where the added part has them. The sum ends in <paramref name="parts"/>[0]; returns its
    /// support (the union of the rows, sorted).
    /// </summary>
    public static GradientSupport Sum(IReadOnlyList<(int Into, int From)> plan, IReadOnlyList<float[]> parts,
        IReadOnlyList<GradientSupport> supports, int threads)
    {
        var first = supports[0];
        StreamGroups.AddAlongPlan(plan, parts, first.EmbeddingLength, parts[0].Length, threads);
        var rows = new int[]?[parts.Count];
        var h = first.RowLength;
        foreach (var (into, from) in plan)
        {
            var target = parts[into];
            var source = parts[from];
            var fromRows = rows[from] ?? supports[from].Rows;
            GradientSupport.ForRowChunks(fromRows.Length, (lo, hi) =>
            {
                for (var i = lo; i < hi; i++)
                {
                    var row = target.AsSpan(fromRows[i] * h, h);
                    TensorPrimitives.Add(row, source.AsSpan(fromRows[i] * h, h), row);
                }
            });

            rows[into] = MergeSorted(rows[into] ?? supports[into].Rows, fromRows);
        }

        return rows[0] is { } union ? first with { Rows = union } : first;
    }

    /// <summary>The sorted union of two sorted arrays of distinct ids (a linear merge).</summary>
    private static int[] MergeSorted(int[] a, int[] b)
    {
        if (b.Length == 0)
        {
            return a;
        }

        var merged = new int[a.Length + b.Length];
        int i = 0, j = 0, n = 0;
        while (i < a.Length && j < b.Length)
        {
            var x = a[i];
            var y = b[j];
            merged[n++] = x <= y ? x : y;
            i += x <= y ? 1 : 0;
            j += y <= x ? 1 : 0;
        }

        a.AsSpan(i).CopyTo(merged.AsSpan(n));
        n += a.Length - i;
        b.AsSpan(j).CopyTo(merged.AsSpan(n));
        n += b.Length - j;
        return merged[..n];
    }

    /// <summary>
    /// Sums the gradients of a process's stream groups (<paramref name="buffers"/>, one per group) along
    /// <paramref name="plan"/>, each group's embedding part non-zero only on its
    /// <paramref name="dirtyRows"/> (any order), and returns the sum's support. Every buffer added into
    /// then holds other groups' rows too: <paramref name="markRows"/>(group, rows) is called for each, so
    /// the group zeroes those rows before its next step.
    /// </summary>
    public static GradientSupport SumGroups(IReadOnlyList<(int Into, int From)> plan, IReadOnlyList<float[]> buffers,
        IReadOnlyList<IReadOnlyList<int>> dirtyRows, int embeddingLength, int rowLength, int threads, Action<int, int[]> markRows)
    {
        var supports = dirtyRows.Select(d =>
        {
            var rows = d.ToArray();
            Array.Sort(rows);
            return new GradientSupport(embeddingLength, rowLength, rows);
        }).ToArray();
        var support = Sum(plan, buffers, supports, threads);
        foreach (var into in plan.Select(p => p.Into).Distinct())
        {
            markRows(into, support.Rows);
        }

        return support;
    }

    /// <summary>Sums <paramref name="values"/> (one per part, e.g. losses) in place along <paramref name="plan"/>; returns the total (part 0).</summary>
    public static double Sum(IReadOnlyList<(int Into, int From)> plan, double[] values)
    {
        foreach (var (into, from) in plan)
        {
            values[into] += values[from];
        }

        return values[0];
    }
}
