using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Classification;

/// <summary>
/// The <see cref="IGradientSource"/> of a document classifier: an epoch visits the N training documents
/// once in an order shuffled from (seed, epoch), B at a time, so it has ⌈N / B⌉ windows (the last may be
/// short). A window's B slots are cut into stream groups like a language model's streams (see
/// <see cref="StreamGroups"/>); each group has its own classifier workspace (see <see cref="DocumentClassifiers"/>) and
/// gradient on the shared weights, the groups run in parallel and their gradients are summed along the
/// groups' summation tree, so the result does not depend on the thread count. For a recurrent
/// classifier, whose batch is padded to its longest document, the shuffled order is then sorted by
/// length within pools of <see cref="PoolBatches"/> batches (length bucketing: batches of like lengths,
/// in an order still fixed by the seed).
/// </summary>
public sealed class DocumentBatchGradient : IGradientSource
{
    private readonly Document[] _documents;
    private readonly int _batch;
    private readonly int[] _groupFirst; // per local group: its first slot among the window's B
    private readonly int[] _groupSize;  // per local group: its slots
    private readonly DocumentClassifier[] _models;
    private readonly Document[][] _batches; // per group: its documents of the current window (reused)
    private readonly bool _bucketed;
    private readonly float[][] _buffers;
    private readonly double[] _losses;
    private readonly int[] _counts;
    private readonly IReadOnlyList<(int Into, int From)> _plan;
    private readonly int _threads;
    private readonly int _embeddingLength;
    private readonly int _hidden;
    private int[] _order = [];
    private long _orderEpoch = -1;

    /// <param name="weights">The weights every group computes on (the layout of <paramref name="spec"/>); referenced, not copied.</param>
    /// <param name="documents">The training documents (at least one).</param>
    /// <param name="batch">B, documents per step.</param>
    /// <param name="groups">Stream groups G (1 ≤ G ≤ B).</param>
    /// <param name="threads">Groups computed at once (≥ 1).</param>
    public DocumentBatchGradient(ModelSpec spec, float[] weights, Document[] documents, int batch, int groups, int threads)
        : this(spec, weights, documents, batch, 0, new StreamGroups(batch, groups).Sizes(), threads)
    {
    }

    /// <summary>
    /// The gradient of a contiguous run of stream groups of the window's B slots only: one node of the
    /// summation tree (a cluster worker's share, see <see cref="StreamGroups.CutIntoNodes"/>), summed
    /// along that node's subtree, so the node's partial sum is bitwise the one a single process forms.
    /// </summary>
    /// <param name="firstSlot">The first slot of these groups among the window's B (keys the dropout masks).</param>
    /// <param name="groupSizes">Slots per group, in order (each ≥ 1; first slot + their sum ≤ B).</param>
    /// <exception cref="ArgumentException">When the groups do not fit in the batch.</exception>
    public DocumentBatchGradient(ModelSpec spec, float[] weights, Document[] documents, int batch, int firstSlot, IReadOnlyList<int> groupSizes, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(documents.Length, 1);
        if (groupSizes.Count == 0 || groupSizes.Any(s => s < 1) || firstSlot < 0 || firstSlot + groupSizes.Sum() > batch)
        {
            throw new ArgumentException($"groups of [{string.Join(", ", groupSizes)}] slots from slot {firstSlot} do not fit a batch of {batch}");
        }

        var groups = groupSizes.Count;
        _groupSize = [.. groupSizes];
        _groupFirst = new int[groups];
        _groupFirst[0] = firstSlot;
        for (var g = 1; g < groups; g++)
        {
            _groupFirst[g] = _groupFirst[g - 1] + _groupSize[g - 1];
        }

        _documents = documents;
        _batch = batch;
        _models = [.. Enumerable.Range(0, groups).Select(g => DocumentClassifiers.Create(spec, _groupSize[g], weights))];
        _bucketed = spec.Cell != CellType.Bow;
        _buffers = [.. _models.Select(m => m.Gradients)];
        _batches = [.. Enumerable.Range(0, groups).Select(g => new Document[_groupSize[g]])];
        _losses = new double[groups];
        _counts = new int[groups];
        _plan = StreamGroups.SummationPlan([.. Enumerable.Range(0, groups).Select(g => (g, 1))]);
        _threads = Math.Max(1, threads);
        _embeddingLength = _models[0].Layout.SparseRowsLength;
        _hidden = spec.Hidden;
        Support = new GradientSupport(_embeddingLength, _hidden, []);
        WindowCount = Windows(documents.Length, batch);
    }

    /// <summary>Batches whose documents are sorted by length together (recurrent classifiers).</summary>
    public const int PoolBatches = 16;

    /// <summary>Steps an epoch of <paramref name="documents"/> takes, B at a time: ⌈N / B⌉.</summary>
    public static int Windows(int documents, int batch) => (int)(((long)documents + batch - 1) / batch);

    /// <inheritdoc/>
    public int WindowCount { get; }

    /// <inheritdoc/>
    /// <remarks>The first group's gradient buffer: it is overwritten by the next <see cref="Compute"/>.</remarks>
    public float[] Gradient => _buffers[0];

    /// <inheritdoc/>
    public GradientSupport Support { get; private set; }

    /// <summary>
    /// The gradient of <c>lossScale · Σ −log ŷ[label]</c> over window <paramref name="window"/>'s documents.
    /// The epoch is <c>(step − window) / WindowCount</c> (the loop's step counts every window of earlier
    /// epochs), so a restored run draws the same order. Returns (Σ loss in nats, documents).
    /// </summary>
    public StepGradient Compute(int window, long step, ulong seed, float lossScale)
    {
        var epoch = (step - window) / WindowCount;
        if (epoch != _orderEpoch)
        {
            _order = Shuffled(_documents.Length, seed, epoch);
            if (_bucketed)
            {
                BucketByLength(_order, seed, epoch);
            }

            _orderEpoch = epoch;
        }

        var start = (long)window * _batch;
        Parallel.For(0, _models.Length, new ParallelOptions { MaxDegreeOfParallelism = _threads }, g =>
        {
            var model = _models[g];
            model.ZeroGradients();
            var first = start + _groupFirst[g];
            var count = (int)Math.Clamp(_documents.Length - first, 0, _groupSize[g]);
            _counts[g] = count;
            _losses[g] = 0;
            if (count == 0)
            {
                return;
            }

            var documents = _batches[g];
            for (var i = 0; i < count; i++)
            {
                documents[i] = _documents[_order[first + i]];
            }

            var dropout = model.Spec.Dropout > 0 ? new DropoutKey(seed, step, _groupFirst[g]) : (DropoutKey?)null;
            _losses[g] = model.Forward(documents.AsSpan(0, count), dropout, withLoss: true);
            model.Backward(lossScale);
        });

        Support = TreeReduction.SumGroups(_plan, _buffers, [.. _models.Select(m => m.DirtyEmbeddingRows)], _embeddingLength, _hidden, _threads,
            (group, rows) => _models[group].MarkEmbeddingRows(rows));

        return new StepGradient(TreeReduction.Sum(_plan, _losses), _counts.Sum());
    }

    /// <inheritdoc/>
    /// <remarks>A classifier carries no state across windows.</remarks>
    public void ResetState()
    {
    }

    /// <summary>
    /// Length bucketing in place: each pool of <see cref="PoolBatches"/> batches of <paramref name="order"/>
    /// is sorted by document length (stable: ties keep the shuffled order), cut into batches, and the
    /// batches are shuffled within the pool from (seed, epoch, pool), so a pool does not run short to long.
    /// </summary>
    private void BucketByLength(int[] order, ulong seed, long epoch)
    {
        var pool = PoolBatches * _batch;
        for (var start = 0; start < order.Length; start += pool)
        {
            var length = Math.Min(pool, order.Length - start);
            var sorted = order.AsSpan(start, length).ToArray().OrderBy(i => _documents[i].Words.Length).ToArray();
            var batches = sorted.Chunk(_batch).ToArray();
            var rng = new Rng(Rng.Hash(seed, 0x4255434B4554UL, (ulong)epoch, (ulong)start)); // "BUCKET"
            for (var i = batches.Length - 1; i > 0; i--)
            {
                var j = rng.NextInt(i + 1);
                (batches[i], batches[j]) = (batches[j], batches[i]);
            }

            batches.SelectMany(b => b).ToArray().CopyTo(order, start);
        }
    }

    /// <summary>A permutation of 0..n−1, Fisher–Yates from (seed, epoch).</summary>
    public static int[] Shuffled(int n, ulong seed, long epoch)
    {
        var order = Enumerable.Range(0, n).ToArray();
        var rng = new Rng(Rng.Hash(seed, 0x4F52444552UL, (ulong)epoch, 0)); // "ORDER"
        for (var i = n - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }
}
