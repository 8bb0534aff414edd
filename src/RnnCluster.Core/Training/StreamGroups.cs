namespace RnnCluster.Core.Training;

/// <summary>
/// The cut of a batch's B streams into G contiguous <em>stream groups</em> (the unit of gradient work)
/// and the fixed binary tree in which their gradients are summed. Group g holds streams
/// [<see cref="First"/>(g), <see cref="First"/>(g) + <see cref="Count"/>(g)); the first B mod G groups
/// hold one stream more.
/// <para>
/// The summation tree: node [lo, hi) with more than one group is the sum left + right of its halves
/// [lo, mid) and [mid, hi), mid = lo + ⌈(hi − lo) / 2⌉. Summing every group gradient along this tree,
/// whoever computes which node, gives bitwise the same float result: a process that owns a node's
/// groups sends that node's partial sum, and the receiver finishes the tree above it. Any cut of the
/// groups into tree nodes (see <see cref="CutIntoNodes"/>) is therefore exact.
/// </para>
/// </summary>
public sealed class StreamGroups
{
    /// <param name="batch">B, the number of streams (≥ 1).</param>
    /// <param name="groups">G, the number of groups (1 ≤ G ≤ B).</param>
    /// <exception cref="ArgumentOutOfRangeException">When B &lt; 1 or G is outside [1, B].</exception>
    public StreamGroups(int batch, int groups)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (groups < 1 || groups > batch)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), $"--stream-groups {groups} must be between 1 and the batch ({batch})");
        }

        Batch = batch;
        Count = groups;
    }

    /// <summary>B: streams in all.</summary>
    public int Batch { get; }

    /// <summary>G: groups in all.</summary>
    public int Count { get; }

    /// <summary>Index of the first stream of group <paramref name="group"/>.</summary>
    public int First(int group) => (group * (Batch / Count)) + Math.Min(group, Batch % Count);

    /// <summary>Streams in group <paramref name="group"/>.</summary>
    public int Size(int group) => (Batch / Count) + (group < Batch % Count ? 1 : 0);

    /// <summary>Streams of each group, in order (G sizes adding up to B).</summary>
    public int[] Sizes() => [.. Enumerable.Range(0, Count).Select(Size)];

    /// <summary>Streams in groups [<paramref name="lo"/>, <paramref name="hi"/>).</summary>
    public int Streams(int lo, int hi) => First(hi) - First(lo);

    /// <summary>Split point of tree node [lo, hi): the start of its right half.</summary>
    public static int Middle(int lo, int hi) => lo + ((hi - lo + 1) / 2);

    /// <summary>
    /// Cuts the G groups into <paramref name="parts"/> tree nodes, in group order: start from the root
    /// and split the largest node (the first of the largest) until there are enough. With G a power of
    /// two and parts dividing it the nodes are equal; otherwise they differ by at most a factor of two.
    /// Returns (first group, group count) per part.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When parts is outside [1, G].</exception>
    public IReadOnlyList<(int First, int Count)> CutIntoNodes(int parts)
    {
        if (parts < 1 || parts > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(parts), $"{parts} parts of {Count} stream groups");
        }

        var nodes = new List<(int Lo, int Hi)> { (0, Count) };
        while (nodes.Count < parts)
        {
            var widest = 0;
            for (var i = 1; i < nodes.Count; i++)
            {
                if (nodes[i].Hi - nodes[i].Lo > nodes[widest].Hi - nodes[widest].Lo)
                {
                    widest = i;
                }
            }

            var (lo, hi) = nodes[widest];
            var mid = Middle(lo, hi);
            nodes[widest] = (lo, mid);
            nodes.Insert(widest + 1, (mid, hi));
        }

        return [.. nodes.Select(n => (n.Lo, n.Hi - n.Lo))];
    }

    /// <summary>
    /// The additions, in order, that sum the partial sums of consecutive tree nodes along the summation
    /// tree of the node [lo, hi) they tile: each (into, from) means part[into] ← part[into] + part[from]
    /// (indices into <paramref name="nodes"/>); the result ends in part 0.
    /// </summary>
    /// <exception cref="ArgumentException">When the nodes do not tile [lo, hi) as tree nodes.</exception>
    public static IReadOnlyList<(int Into, int From)> SummationPlan(IReadOnlyList<(int First, int Count)> nodes)
    {
        if (nodes.Count == 0)
        {
            throw new ArgumentException("no nodes to sum");
        }

        var lo = nodes[0].First;
        var hi = nodes[^1].First + nodes[^1].Count;
        var plan = new List<(int Into, int From)>();
        if (Plan(nodes, lo, hi, 0, nodes.Count, plan) != 0)
        {
            throw new ArgumentException($"the nodes do not tile groups [{lo}, {hi}) along the summation tree");
        }

        return plan;
    }

    /// <summary>
    /// Runs <paramref name="plan"/> on elements [<paramref name="from"/>, <paramref name="to"/>) of
    /// <paramref name="parts"/>. Elements are independent, so the range is split over
    /// <paramref name="threads"/> threads without changing any result.
    /// </summary>
    public static void AddAlongPlan(IReadOnlyList<(int Into, int From)> plan, IReadOnlyList<float[]> parts, int from, int to, int threads)
    {
        if (plan.Count == 0)
        {
            return;
        }

        var length = to - from;
        var chunks = Math.Max(1, Math.Min(threads, length / 65_536));
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            var start = from + (int)((long)length * c / chunks);
            var end = from + (int)((long)length * (c + 1) / chunks);
            foreach (var (into, source) in plan)
            {
                var target = parts[into].AsSpan(start, end - start);
                System.Numerics.Tensors.TensorPrimitives.Add(target, parts[source].AsSpan(start, end - start), target);
            }
        });
    }

    /// <summary>
    /// Appends the additions (into ← into + from, by part index) that sum node [lo, hi) from
    /// parts [first, end); returns the index of the part holding the sum, or −1 when the parts do not
    /// tile the node.
    /// </summary>
    private static int Plan(IReadOnlyList<(int First, int Count)> nodes, int lo, int hi, int first, int end, List<(int, int)> plan)
    {
        if (first >= end || nodes[first].First != lo)
        {
            return -1;
        }

        if (nodes[first].First + nodes[first].Count == hi)
        {
            return first + 1 == end ? first : -1;
        }

        if (hi - lo < 2)
        {
            return -1;
        }

        var mid = Middle(lo, hi);
        var split = first;
        while (split < end && nodes[split].First < mid)
        {
            split++;
        }

        var left = Plan(nodes, lo, mid, first, split, plan);
        var right = left < 0 ? -1 : Plan(nodes, mid, hi, split, end, plan);
        if (right < 0)
        {
            return -1;
        }

        plan.Add((left, right));
        return left;
    }
}
