using System.Diagnostics;
using System.Runtime.InteropServices;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A worker's shard of a job: its streams' token ids (held once) and the Core
/// <see cref="StreamGroupsGradient"/> that computes their partial gradient sum on the worker's weight
/// replica, its stream groups in parallel over the node's compute threads. The gradient goes out as
/// views of the first group's gradient buffer and of a reused row buffer (the transport serializes
/// them before the next step). A classify or cbow job's shard is its slots of every window, computed
/// by the task's gradient source over the whole training data (see <see cref="TaskCorpora"/>); it
/// carries no state across windows.
/// </summary>
internal sealed class ShardReplica
{
    private readonly RowValuesBuffer _rowValues;
    private readonly int _embeddingLength;
    private readonly ModelState _state;
    private readonly StreamGroupsGradient? _streams; // a language model's: carries the streams' hidden state
    private float[] _roundChange = [];  // (layout size), --compress in local SGD: the round's start weights, then their change

    /// <exception cref="ArgumentException">When the replica does not fit the shard's model or the groups do not cover its streams.</exception>
    public ShardReplica(string jobId, ModelSpec spec, ShardAssignment shard, int bptt, float[] weights, int threads)
    {
        JobId = jobId;
        var layout = ParameterLayout.For(spec);
        if (weights.Length != layout.Size)
        {
            throw new ArgumentException($"the weight replica has {weights.Length} values; the shard's model needs {layout.Size}");
        }

        if (shard.Corpus is null && shard.Tokens.Length != shard.StreamCount * shard.StreamLength)
        {
            throw new ArgumentException($"the shard has {shard.Tokens.Length} token ids for {shard.StreamCount} streams of {shard.StreamLength}");
        }

        int[] sizes = shard.GroupSizes is { Length: > 0 } given ? given : [shard.StreamCount];
        Plan = ComputePlan.For(threads, sizes.Length, shard.Deterministic);
        Plan.ConfigureGemm();
        Weights = weights;
        if (shard.Corpus is { } corpus)
        {
            Gradient = TaskCorpora.Gradient(spec, corpus, weights, shard.FirstStream, sizes, Plan.ParallelGroups);
            _state = ModelState.Carried(spec, shard.StreamCount); // none: no state crosses windows
        }
        else
        {
            _streams = new StreamGroupsGradient(spec, weights, new BatchStreams(shard.Tokens, shard.StreamCount), shard.FirstStream,
                sizes, bptt, Plan.ParallelGroups);
            Gradient = _streams;
            _state = new ModelState(spec, shard.StreamCount);
        }

        StreamCount = shard.StreamCount;
        _embeddingLength = layout.SparseRowsLength;
        Hidden = spec.Hidden;
        _rowValues = new RowValuesBuffer(spec.Hidden);
    }

    public string JobId { get; }

    /// <summary>The shard's streams: its part of the batch.</summary>
    public int StreamCount { get; }

    /// <summary>Floats of sparse embedding rows at the start of the flat vector (V·H; 0 with tied weights, whose embedding gradient is dense, and for the character-aware model, which has no word embedding).</summary>
    public int EmbeddingLength => _embeddingLength;

    /// <summary>H: floats per embedding row.</summary>
    public int Hidden { get; }

    /// <summary>The shard's gradient source: a language model's <see cref="StreamGroupsGradient"/>, or a classify or cbow job's.</summary>
    public IGradientSource Gradient { get; }

    /// <summary>
    /// Where a language model's output layer begins in the flat vector (its gradient is final first:
    /// see <see cref="LanguageModel.OutputLayerOffset"/>); the vector's length for other tasks.
    /// </summary>
    public int OutputLayerOffset => _streams?.OutputLayerOffset ?? Weights.Length;

    public ComputePlan Plan { get; }

    /// <summary>The model computes on this array: the worker's weight replica.</summary>
    public float[] Weights { get; }

    public static ModelSpec SpecOf(ShardAssignment s)
    {
        var spec = new ModelSpec(CellTypes.Parse(s.Cell), s.VocabSize, s.Layers, s.Hidden, s.Dropout, s.InitScale, s.ForgetBias) { TieWeights = s.TieWeights };
        if (s.Words is { } words)
        {
            spec = spec.WithSpellings(words);
        }

        return s.Corpus is { } corpus ? TaskCorpora.Spec(spec, corpus) : spec;
    }

    /// <summary>
    /// The step's partial gradient sum. Its compute time is this call's plus <paramref name="patchMs"/>
    /// (the time the worker spent patching its weights for the step); <paramref name="serializeMs"/>
    /// and <paramref name="peakRssMb"/> are passed through. With <paramref name="withGradient"/> false
    /// (a sharded server: the gradient goes to the key ranges from <see cref="Gradient"/>) the result
    /// carries no gradient.
    /// </summary>
    /// <param name="compressor">With <c>--compress</c>: packs the gradient for the wire (null: float32 as computed).</param>
    /// <param name="outputLayerDone">A language model's: called once the gradient from
    /// <see cref="OutputLayerOffset"/> on is final (see <see cref="StreamGroupsGradient.Compute(int, long, ulong, float, Action?)"/>);
    /// other tasks call it after their gradient is done.</param>
    public GradientResult Compute(ComputeStep step, string workerId, double patchMs, double serializeMs, double peakRssMb, bool withGradient = true,
        GradientCompressor? compressor = null, Action? outputLayerDone = null)
    {
        var started = Stopwatch.GetTimestamp();
        StateCodec.Load(_state, step.StateH, step.StateC);
        _streams?.LoadState(_state);
        StepGradient computed;
        if (_streams is { } streams)
        {
            computed = streams.Compute(step.Window, step.Step, step.Seed, step.LossScale, outputLayerDone);
            streams.SaveState(_state);
        }
        else
        {
            computed = Gradient.Compute(step.Window, step.Step, step.Seed, step.LossScale);
            outputLayerDone?.Invoke();
        }

        var (loss, tokens) = computed;
        var grads = Gradient.Gradient;
        var result = Result(step, workerId, loss, tokens, grads, withGradient ? Gradient.Support.Rows : [],
            withGradient ? grads.AsMemory(_embeddingLength) : ReadOnlyMemory<float>.Empty, patchMs + Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            serializeMs, peakRssMb);
        return withGradient && compressor is not null ? Packed(result, step, grads, compressor) : result;
    }

    /// <summary>
    /// A local-SGD round: <see cref="LocalRound.Steps"/> windows from the step's, each computing the
    /// gradient of this shard's batch-mean loss (loss scale 1/<see cref="StreamCount"/>, so the
    /// stream-weighted average of the workers' weights after one window is the synchronous step), then
    /// clipping it and stepping SGD on <see cref="Weights"/> as <see cref="ParameterUpdate.Apply"/> does.
    /// The result carries the weights after the round (see <see cref="GradientResult"/>): every tensor
    /// after the embedding and the embedding rows any window touched. With <paramref name="compressor"/>
    /// it carries their change over the round instead, packed for the wire (16-bit, or top-k with the
    /// rest kept for the next round): the server adds it to the weights the round started from.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the gradient norm is not finite (training diverged).</exception>
    public GradientResult ComputeRound(ComputeStep step, LocalRound round, string workerId, double patchMs, double serializeMs, double peakRssMb,
        GradientCompressor? compressor = null)
    {
        var streams = _streams ?? throw new InvalidOperationException("a local-SGD round needs a language model's streams");
        var started = Stopwatch.GetTimestamp();
        if (compressor is not null)
        {
            if (_roundChange.Length != Weights.Length)
            {
                _roundChange = new float[Weights.Length];
            }

            Weights.CopyTo(_roundChange, 0);
        }

        StateCodec.Load(_state, step.StateH, step.StateC);
        streams.LoadState(_state);
        var sgd = new SgdOptimizer();
        var touched = new SortedSet<int>();
        double loss = 0;
        long tokens = 0;
        for (var k = 0; k < round.Steps; k++)
        {
            var (windowLoss, windowTokens) = Gradient.Compute(step.Window + k, step.Step + k, step.Seed, 1f / StreamCount);
            ParameterUpdate.Apply(Weights, Gradient.Gradient, sgd, round.LearningRate, round.Clip, Gradient.Support);
            touched.UnionWith(Gradient.Support.Rows);
            loss += windowLoss;
            tokens += windowTokens;
        }

        streams.SaveState(_state);
        var source = Weights;
        if (compressor is not null)
        {
            System.Numerics.Tensors.TensorPrimitives.Subtract(Weights, _roundChange, _roundChange);
            source = _roundChange;
        }

        var result = Result(step, workerId, loss, tokens, source, [.. touched], source.AsMemory(_embeddingLength),
            patchMs + Stopwatch.GetElapsedTime(started).TotalMilliseconds, serializeMs, peakRssMb);
        return compressor is null ? result : Packed(result, step, source, compressor);
    }

    /// <summary>
    /// <paramref name="result"/> with its values packed for the wire by <paramref name="compressor"/>: the
    /// dense part of <paramref name="source"/> (the flat vector its dense view is of) and its row buffer,
    /// both rounded in place or sparsified; the time taken counts as encoding.
    /// </summary>
    private GradientResult Packed(GradientResult result, ComputeStep step, float[] source, GradientCompressor compressor)
    {
        var packing = Stopwatch.GetTimestamp();
        compressor.BeginStep(step.JobId, step.Step);
        return result with
        {
            Dense = compressor.Pack(source, _embeddingLength, source.Length - _embeddingLength),
            RowValues = compressor.PackRows(MemoryMarshal.AsMemory(result.RowValues.Values)), // this replica's row buffer
            SerializeMs = result.SerializeMs + Stopwatch.GetElapsedTime(packing).TotalMilliseconds,
        };
    }

    /// <summary>
    /// The result of a step or round: the embedding rows <paramref name="rows"/> of <paramref name="source"/>
    /// (the gradient, or the weights after a round; (V·H) at its start) copied into the reused row buffer,
    /// the <paramref name="dense"/> view, and the streams' state as <see cref="Gradient"/> left it.
    /// </summary>
    private GradientResult Result(ComputeStep step, string workerId, double loss, long tokens, float[] source, int[] rows,
        ReadOnlyMemory<float> dense, double computeMs, double serializeMs, double peakRssMb)
    {
        var h = Hidden;
        var values = _rowValues.For(rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            source.AsSpan(rows[i] * h, h).CopyTo(values.AsSpan(i * h, h));
        }

        var (stateH, stateC) = StateCodec.Save(_state);
        return new GradientResult(step.JobId, step.Generation, step.Step, workerId, loss, (int)tokens, dense, rows,
            values.AsMemory(0, rows.Length * h), stateH, stateC, computeMs, serializeMs, peakRssMb);
    }
}
