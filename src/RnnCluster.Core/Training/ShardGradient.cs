using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>
/// Computes one window's gradient for a contiguous range of batch streams: the unit of work of a
/// single-process step (all streams) and of a cluster worker (its shard). Carries the streams'
/// hidden state across windows.
/// </summary>
public sealed class ShardGradient
{
    private readonly int[] _inputs;
    private readonly int[] _targets;

    /// <param name="streams">The shard's streams, indexed locally from 0.</param>
    /// <param name="globalStreamOffset">Index of local stream 0 among all B streams (keys the dropout masks).</param>
    public ShardGradient(LanguageModel model, BatchStreams streams, int globalStreamOffset, int bptt)
    {
        Model = model;
        Streams = streams;
        GlobalStreamOffset = globalStreamOffset;
        Bptt = bptt;
        State = model.NewState(streams.Batch);
        _inputs = new int[streams.Batch * bptt];
        _targets = new int[streams.Batch * bptt];
    }

    public LanguageModel Model { get; }

    public BatchStreams Streams { get; }

    public int GlobalStreamOffset { get; }

    public int Bptt { get; }

    public ModelState State { get; }

    public int WindowCount => Streams.WindowCount(Bptt);

    /// <summary>
    /// Zeroes the gradients, runs forward and backward of <c>lossScale · Σ CE</c> on window
    /// <paramref name="window"/>, and returns (Σ CE in nats, tokens predicted).
    /// </summary>
    /// <param name="outputLayerDone">See <see cref="LanguageModel.Backward"/>.</param>
    public (double LossSum, int Tokens) Compute(int window, long step, ulong seed, float lossScale, Action? outputLayerDone = null)
    {
        var batch = Streams.Batch;
        var steps = Streams.WindowSteps(window, Bptt);
        var n = steps * batch;
        Streams.FillWindow(window, Bptt, 0, batch, _inputs.AsSpan(0, n), _targets.AsSpan(0, n));
        Model.ZeroGradients();
        var dropout = Model.Spec.Dropout > 0 ? new DropoutKey(seed, step, GlobalStreamOffset) : (DropoutKey?)null;
        var loss = Model.Forward(_inputs.AsSpan(0, n), _targets.AsSpan(0, n), steps, batch, State, dropout);
        Model.Backward(lossScale, outputLayerDone: outputLayerDone);
        return (loss, n);
    }
}
