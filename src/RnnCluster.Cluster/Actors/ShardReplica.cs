using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A worker's shard of a job: its streams' token ids and the <see cref="ShardGradient"/> that computes
/// their gradient on the worker's weight replica. The gradient goes out as views of the model's
/// gradient buffer and of a reused row buffer (the transport serializes them before the next step).
/// </summary>
internal sealed class ShardReplica
{
    private readonly bool[] _touched;
    private readonly List<int> _rows = [];
    private readonly float[] _rowValues;
    private readonly int _embeddingLength;

    public ShardReplica(string jobId, ModelSpec spec, ShardAssignment shard, int bptt, float[] weights)
    {
        JobId = jobId;
        var layout = ParameterLayout.For(spec);
        if (weights.Length != layout.Size)
        {
            throw new ArgumentException($"the weight replica has {weights.Length} values; the shard's model needs {layout.Size}");
        }

        var streams = new int[shard.StreamCount][];
        for (var j = 0; j < streams.Length; j++)
        {
            streams[j] = shard.Tokens.AsSpan(j * shard.StreamLength, shard.StreamLength).ToArray();
        }

        var model = new LanguageModel(spec, shard.StreamCount, bptt, weights);
        Gradient = new ShardGradient(model, BatchStreams.FromStreams(streams), shard.FirstStream, bptt);
        _embeddingLength = layout["embedding"].Length;
        _touched = new bool[spec.VocabSize];
        _rowValues = new float[_embeddingLength];
    }

    public string JobId { get; }

    public ShardGradient Gradient { get; }

    /// <summary>The model computes on this array: the worker's weight replica.</summary>
    public float[] Weights => Gradient.Model.Weights;

    public static ModelSpec SpecOf(ShardAssignment s)
        => new(CellTypes.Parse(s.Cell), s.VocabSize, s.Layers, s.Hidden, s.Dropout, s.InitScale, s.ForgetBias);

    /// <summary>
    /// The step's gradient. Its compute time is this call's plus <paramref name="patchMs"/> (the time the
    /// worker spent patching its weights for the step); <paramref name="serializeMs"/> and
    /// <paramref name="peakRssMb"/> are passed through.
    /// </summary>
    public GradientResult Compute(ComputeStep step, string workerId, double patchMs, double serializeMs, double peakRssMb)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        StateCodec.Load(Gradient.State, step.StateH, step.StateC);
        var (loss, tokens) = Gradient.Compute(step.Window, step.Step, step.Seed, step.LossScale);
        var rows = TouchedRows(step.Window, step.Bptt);
        var h = Gradient.Model.Spec.Hidden;
        var grads = Gradient.Model.Gradients;
        for (var i = 0; i < rows.Length; i++)
        {
            grads.AsSpan(rows[i] * h, h).CopyTo(_rowValues.AsSpan(i * h, h));
        }

        var (stateH, stateC) = StateCodec.Save(Gradient.State);
        var computeMs = patchMs + System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new GradientResult(step.JobId, step.Generation, step.Step, workerId, loss, tokens,
            grads.AsMemory(_embeddingLength), rows, _rowValues.AsMemory(0, rows.Length * h), stateH, stateC,
            computeMs, serializeMs, peakRssMb);
    }

    /// <summary>The input token ids of the window, sorted and distinct: the embedding rows with gradient.</summary>
    private int[] TouchedRows(int window, int bptt)
    {
        var streams = Gradient.Streams;
        var steps = streams.WindowSteps(window, bptt);
        _rows.Clear();
        for (var j = 0; j < streams.Batch; j++)
        {
            foreach (var id in streams.Stream(j).Slice(window * bptt, steps))
            {
                if (!_touched[id])
                {
                    _touched[id] = true;
                    _rows.Add(id);
                }
            }
        }

        foreach (var id in _rows)
        {
            _touched[id] = false;
        }

        _rows.Sort();
        return [.. _rows];
    }
}
