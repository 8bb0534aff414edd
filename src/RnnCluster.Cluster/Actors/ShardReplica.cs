using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A worker's copy of a job: the full weight replica (patched each step), its streams' token ids and
/// the <see cref="ShardGradient"/> that computes their gradient.
/// </summary>
internal sealed class ShardReplica
{
    private readonly bool[] _touched;
    private readonly int _embeddingLength;

    public ShardReplica(string jobId, ModelSpec spec, ShardAssignment shard, int bptt, float[]? weights)
    {
        JobId = jobId;
        FirstStream = shard.FirstStream;
        StreamCount = shard.StreamCount;
        var layout = ParameterLayout.For(spec);
        Weights = weights is not null && weights.Length == layout.Size ? weights : new float[layout.Size];
        var streams = new int[shard.StreamCount][];
        for (var j = 0; j < streams.Length; j++)
        {
            streams[j] = shard.Tokens.AsSpan(j * shard.StreamLength, shard.StreamLength).ToArray();
        }

        var model = new LanguageModel(spec, shard.StreamCount, bptt, Weights);
        Gradient = new ShardGradient(model, BatchStreams.FromStreams(streams), shard.FirstStream, bptt);
        _embeddingLength = layout["embedding"].Length;
        _touched = new bool[spec.VocabSize];
    }

    public string JobId { get; }

    public int FirstStream { get; }

    public int StreamCount { get; }

    public float[] Weights { get; }

    /// <summary>The replica's weights version; −1 until the first full weights arrive.</summary>
    public long Version { get; set; } = -1;

    public ShardGradient Gradient { get; }

    public static ModelSpec SpecOf(ShardAssignment s)
        => new(CellTypes.Parse(s.Cell), s.VocabSize, s.Layers, s.Hidden, s.Dropout, s.InitScale, s.ForgetBias);

    /// <summary>Applies a patch; false when it is a delta and the replica is not at the previous version.</summary>
    public bool Apply(WeightPatch patch, long version)
    {
        if (patch.Full)
        {
            patch.Dense.CopyTo(Weights, 0);
        }
        else
        {
            if (Version != version - 1)
            {
                return false;
            }

            patch.Dense.CopyTo(Weights, _embeddingLength);
            var h = Gradient.Model.Spec.Hidden;
            for (var i = 0; i < patch.Rows.Length; i++)
            {
                patch.RowValues.AsSpan(i * h, h).CopyTo(Weights.AsSpan(patch.Rows[i] * h, h));
            }
        }

        Version = version;
        return true;
    }

    public GradientResult Compute(ComputeStep step, string workerId)
    {
        StateCodec.Load(Gradient.State, step.StateH, step.StateC);
        var (loss, tokens) = Gradient.Compute(step.Window, step.Step, step.Seed, step.LossScale);
        var rows = TouchedRows(step.Window, step.Bptt);
        var h = Gradient.Model.Spec.Hidden;
        var grads = Gradient.Model.Gradients;
        var rowValues = new float[rows.Length * h];
        for (var i = 0; i < rows.Length; i++)
        {
            grads.AsSpan(rows[i] * h, h).CopyTo(rowValues.AsSpan(i * h, h));
        }

        var (stateH, stateC) = StateCodec.Save(Gradient.State);
        return new GradientResult(step.JobId, step.Generation, step.Step, workerId, loss, tokens,
            grads.AsSpan(_embeddingLength).ToArray(), rows, rowValues, stateH, stateC);
    }

    /// <summary>The input token ids of the window, sorted and distinct: the embedding rows with gradient.</summary>
    private int[] TouchedRows(int window, int bptt)
    {
        var streams = Gradient.Streams;
        var steps = streams.WindowSteps(window, bptt);
        var rows = new List<int>();
        for (var j = 0; j < streams.Batch; j++)
        {
            foreach (var id in streams.Stream(j).Slice(window * bptt, steps))
            {
                if (!_touched[id])
                {
                    _touched[id] = true;
                    rows.Add(id);
                }
            }
        }

        foreach (var id in rows)
        {
            _touched[id] = false;
        }

        rows.Sort();
        return [.. rows];
    }
}
