using System.Diagnostics;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>
/// The gradient of a contiguous run of stream groups (see <see cref="StreamGroups"/>): each group has
/// its own <see cref="ShardGradient"/> (workspace, hidden state and gradient buffer) on the shared
/// weights; the groups run in parallel over up to <c>threads</c> threads (each GEMM then
/// single-threaded, as set by the caller) and their gradients are summed along the groups' summation
/// tree. This is the whole gradient of <c>train</c> and a cluster worker's share of it, so a worker
/// that owns a tree node computes exactly the partial sum a single process forms for that node.
/// </summary>
public sealed class StreamGroupsGradient : IGradientSource
{
    private readonly ShardGradient[] _groups;
    private readonly IReadOnlyList<(int Into, int From)> _plan;
    private readonly int _embeddingLength;
    private readonly int _hidden;
    private readonly float[][] _buffers;
    private readonly (double Loss, int Tokens)[] _results;
    private readonly double[] _losses; // loss sums follow the gradient's tree too
    private readonly int _threads;

    /// <param name="weights">The weights every group computes on (the layout of <paramref name="spec"/>); referenced, not copied.</param>
    /// <param name="streams">The streams of these groups, indexed locally from 0.</param>
    /// <param name="globalStreamOffset">Index of local stream 0 among all B streams (keys the dropout masks).</param>
    /// <param name="groupSizes">Streams per group, in order; they add up to <c>streams.Batch</c>.</param>
    /// <param name="threads">Groups computed at once (≥ 1).</param>
    /// <exception cref="ArgumentException">When the group sizes do not cover the streams.</exception>
    public StreamGroupsGradient(ModelSpec spec, float[] weights, BatchStreams streams, int globalStreamOffset,
        IReadOnlyList<int> groupSizes, int bptt, int threads)
    {
        if (groupSizes.Count == 0 || groupSizes.Any(s => s < 1) || groupSizes.Sum() != streams.Batch)
        {
            throw new ArgumentException($"group sizes [{string.Join(", ", groupSizes)}] do not cover {streams.Batch} streams");
        }

        _groups = new ShardGradient[groupSizes.Count];
        var first = 0;
        for (var g = 0; g < _groups.Length; g++)
        {
            var model = new LanguageModel(spec, groupSizes[g], bptt, weights);
            _groups[g] = new ShardGradient(model, streams.Slice(first, groupSizes[g]), globalStreamOffset + first, bptt);
            first += groupSizes[g];
        }

        _buffers = [.. _groups.Select(g => g.Model.Gradients)];
        _plan = StreamGroups.SummationPlan([.. Enumerable.Range(0, _groups.Length).Select(g => (g, 1))]);
        _embeddingLength = _groups[0].Model.Layout.SparseRowsLength;
        _hidden = spec.Hidden;
        Support = new GradientSupport(_embeddingLength, _hidden, []);
        _results = new (double, int)[_groups.Length];
        _losses = new double[_groups.Length];
        _threads = Math.Max(1, threads);
        Streams = streams;
        Bptt = bptt;
    }

    /// <summary>The groups' streams, indexed locally from 0.</summary>
    public BatchStreams Streams { get; }

    public int Bptt { get; }

    public int GroupCount => _groups.Length;

    /// <summary>See <see cref="LanguageModel.OutputLayerOffset"/>.</summary>
    public int OutputLayerOffset => _groups[0].Model.OutputLayerOffset;

    /// <summary>Milliseconds the last <see cref="Compute(int, long, ulong, float, Action?)"/> spent in the groups' forward and backward passes.</summary>
    public double LastGroupsMs { get; private set; }

    /// <summary>Milliseconds the last <see cref="Compute(int, long, ulong, float, Action?)"/> spent summing the groups' gradients.</summary>
    public double LastSumMs { get; private set; }

    /// <inheritdoc/>
    public int WindowCount => Streams.WindowCount(Bptt);

    /// <inheritdoc/>
    /// <remarks>The first group's gradient buffer: it is overwritten by the next <see cref="Compute(int, long, ulong, float, Action?)"/>.</remarks>
    public float[] Gradient => _buffers[0];

    /// <summary>
    /// Runs window <paramref name="window"/> forward and backward of <c>lossScale · Σ CE</c> for every
    /// group and sums the gradients along the tree into <see cref="Gradient"/>. Returns the Σ CE in nats
    /// (summed along the same tree) and the tokens predicted.
    /// </summary>
    public StepGradient Compute(int window, long step, ulong seed, float lossScale) => Compute(window, step, seed, lossScale, null);

    /// <inheritdoc cref="Compute(int, long, ulong, float)"/>
    /// <param name="outputLayerDone">Called once <see cref="Gradient"/> is final from
    /// <see cref="OutputLayerOffset"/> on: with one group, right after its softmax's backward, while
    /// the recurrent layers' backward is still to run; with several, after the sum (their softmax
    /// gradients are summed with the rest).</param>
    public StepGradient Compute(int window, long step, ulong seed, float lossScale, Action? outputLayerDone)
    {
        var started = Stopwatch.GetTimestamp();
        if (_groups.Length == 1)
        {
            _results[0] = _groups[0].Compute(window, step, seed, lossScale, outputLayerDone);
        }
        else
        {
            Parallel.For(0, _groups.Length, new ParallelOptions { MaxDegreeOfParallelism = _threads },
                g => _results[g] = _groups[g].Compute(window, step, seed, lossScale));
        }

        var computed = Stopwatch.GetTimestamp();
        SumGroups();
        if (_groups.Length > 1)
        {
            outputLayerDone?.Invoke();
        }
        LastGroupsMs = Stopwatch.GetElapsedTime(started, computed).TotalMilliseconds;
        LastSumMs = Stopwatch.GetElapsedTime(computed).TotalMilliseconds;
        for (var g = 0; g < _groups.Length; g++)
        {
            _losses[g] = _results[g].Loss;
        }

        return new StepGradient(TreeReduction.Sum(_plan, _losses), _results.Sum(r => r.Tokens));
    }

    /// <inheritdoc/>
    public GradientSupport Support { get; private set; }

    /// <inheritdoc/>
    public void ResetState()
    {
        foreach (var g in _groups)
        {
            g.State.Reset();
        }
    }

    /// <summary>Copies <paramref name="all"/> (the state of every local stream, in order) into the groups' states.</summary>
    public void LoadState(ModelState all) => CopyState(all, toGroups: true);

    /// <summary>Copies the groups' states into <paramref name="all"/> (the state of every local stream, in order).</summary>
    public void SaveState(ModelState all) => CopyState(all, toGroups: false);

    private void CopyState(ModelState all, bool toGroups)
    {
        if (all.Batch != Streams.Batch)
        {
            throw new ArgumentException($"a state of {all.Batch} streams for {Streams.Batch} streams");
        }

        var first = 0;
        foreach (var g in _groups)
        {
            var state = g.State;
            for (var l = 0; l < state.H.Length; l++)
            {
                Copy(all.H[l], state.H[l], first, state.Batch, toGroups);
                Copy(all.C[l], state.C[l], first, state.Batch, toGroups);
            }

            first += state.Batch;
        }
    }

    // Layer arrays are (streams, H) row-major: a group's rows are one contiguous block of the whole.
    private static void Copy(float[] all, float[] group, int firstStream, int streams, bool toGroup)
    {
        if (group.Length == 0)
        {
            return;
        }

        var hidden = group.Length / streams;
        var block = all.AsSpan(firstStream * hidden, group.Length);
        if (toGroup)
        {
            block.CopyTo(group);
        }
        else
        {
            group.CopyTo(block);
        }
    }

    // Sums the groups' gradients along the tree; embedding gradients are sparse, so only the rows a part may hold are added.
    private void SumGroups() => Support = TreeReduction.SumGroups(_plan, _buffers, [.. _groups.Select(g => g.Model.DirtyEmbeddingRows)],
        _embeddingLength, _hidden, _threads, (group, rows) => _groups[group].Model.MarkEmbeddingRows(rows));

}
