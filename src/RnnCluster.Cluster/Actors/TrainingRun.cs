using System.Diagnostics;
using Akka.Actor;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The parameter server's state of one sync job: weights, optimizer, the B streams' hidden state and
/// cursor as of the last completed step, and the current cut of the streams over the workers. The
/// math is <see cref="Trainer.Run"/>'s, with the step's gradient summed over shards in worker order.
/// </summary>
internal sealed class TrainingRun
{
    private readonly int _embeddingLength;
    private readonly Dictionary<string, (int First, int Count)> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private WeightPatch? _lastDelta;
    private WeightPatch? _full;
    private long _fullVersion = -1;

    public TrainingRun(StartRun start)
    {
        JobId = start.JobId;
        Job = start.Job;
        Spec = start.Spec;
        Options = start.Job.ToTrainingOptions();
        Streams = new BatchStreams(start.Train, Options.Batch);
        var model = new LanguageModel(Spec, 1, 1);
        model.Initialize(Options.Seed);
        Weights = model.Weights;
        Gradients = new float[Weights.Length];
        _embeddingLength = model.Layout["embedding"].Length;
        Optimizer = Optimizers.Create(Options.Optimizer, Weights.Length, Options.Momentum);
        State = new ModelState(Spec, Options.Batch);
        Windows = Streams.WindowCount(Options.Bptt);
        Lr = Options.Schedule.ForEpoch(Epoch);
    }

    public string JobId { get; }

    public JobDefinition Job { get; }

    public ModelSpec Spec { get; }

    public TrainingOptions Options { get; }

    public BatchStreams Streams { get; }

    public float[] Weights { get; }

    public float[] Gradients { get; }

    public IOptimizer Optimizer { get; }

    public ModelState State { get; }

    public int Windows { get; }

    public int Epoch { get; private set; } = 1;

    public int Window { get; private set; }

    public long Step { get; private set; }

    public float Lr { get; private set; }

    public long Version { get; private set; }

    public int Generation { get; private set; }

    public bool Started { get; set; }

    public bool InFlight { get; set; }

    public bool NeedsRecut { get; set; } = true;

    public int Refusals { get; set; }

    /// <summary>Since when the run waits for workers (null: not waiting).</summary>
    public DateTime? WaitingSince { get; set; }

    public double EpochLoss { get; private set; }

    public long EpochTokens { get; private set; }

    public long TotalTokens { get; private set; }

    public long BytesPerStep { get; set; }

    public Stopwatch TrainClock { get; } = new();

    public IReadOnlyList<ShardSlot> Slots { get; private set; } = [];

    public Dictionary<string, GradientResult> Pending { get; } = new(StringComparer.Ordinal);

    public double TrainPpl => EpochTokens == 0 ? double.NaN : Math.Exp(EpochLoss / EpochTokens);

    public bool EpochDone => Window >= Windows;

    public bool StepsExhausted => Options.MaxSteps > 0 && Step >= Options.MaxSteps;

    public bool Final => StepsExhausted || (EpochDone && Epoch >= Options.Epochs);

    /// <summary>Cuts the B streams into contiguous ranges over the workers (in id order); starts a new generation.</summary>
    public void Recut(IReadOnlyList<KeyValuePair<string, IActorRef>> workers)
    {
        var batch = Options.Batch;
        var n = Math.Min(workers.Count, batch);
        var slots = new List<ShardSlot>(n);
        var first = 0;
        for (var i = 0; i < n; i++)
        {
            var count = (batch / n) + (i < batch % n ? 1 : 0);
            slots.Add(new ShardSlot(workers[i].Key, workers[i].Value, first, count));
            first += count;
        }

        Slots = slots;
        Generation++;
        NeedsRecut = false;
        Pending.Clear();
    }

    /// <summary>Abandons the step in flight: results of the current generation are ignored from now on.</summary>
    public void Abort()
    {
        Generation++;
        Pending.Clear();
        InFlight = false;
    }

    public void Forget(string workerId)
    {
        _held.Remove(workerId);
        _versions.Remove(workerId);
    }

    public ComputeStep StepFor(ShardSlot slot)
    {
        ShardAssignment? shard = null;
        if (!_held.TryGetValue(slot.WorkerId, out var held) || held != (slot.First, slot.Count))
        {
            var length = Streams.StreamLength;
            var tokens = new int[slot.Count * length];
            for (var j = 0; j < slot.Count; j++)
            {
                Streams.Stream(slot.First + j).CopyTo(tokens.AsSpan(j * length, length));
            }

            shard = new ShardAssignment(Spec.Cell.Name(), Spec.VocabSize, Spec.Layers, Spec.Hidden, Spec.Dropout,
                Spec.InitScale, Spec.ForgetBias, slot.First, slot.Count, length, tokens);
            _held[slot.WorkerId] = (slot.First, slot.Count);
        }

        WeightPatch? patch = null;
        var version = _versions.GetValueOrDefault(slot.WorkerId, -1);
        if (version != Version)
        {
            patch = version == Version - 1 && _lastDelta is not null ? _lastDelta : FullPatch();
            _versions[slot.WorkerId] = Version;
        }

        var (h, c) = StateCodec.Slice(State, slot.First, slot.Count, Spec.Hidden);
        return new ComputeStep(JobId, Generation, Step, Window, 1f / Options.Batch, Options.Seed, Options.Bptt,
            shard, Version, patch, h, c);
    }

    /// <summary>Marks a worker as needing its shard and full weights again.</summary>
    public void Reset(string workerId) => Forget(workerId);

    /// <summary>
    /// Sums the shards' gradients in slot order (token-weighted already: every shard used lossScale 1/B),
    /// stores their hidden state, clips and applies the update, and advances the cursor.
    /// Returns the step's (Σ CE, tokens).
    /// </summary>
    public (double Loss, long Tokens) Apply()
    {
        Array.Clear(Gradients);
        var h = Spec.Hidden;
        double loss = 0;
        long tokens = 0;
        var rows = new SortedSet<int>();
        foreach (var slot in Slots)
        {
            var r = Pending[slot.WorkerId];
            var dense = Gradients.AsSpan(_embeddingLength);
            System.Numerics.Tensors.TensorPrimitives.Add(dense, r.Dense, dense);
            for (var i = 0; i < r.Rows.Length; i++)
            {
                var row = Gradients.AsSpan(r.Rows[i] * h, h);
                System.Numerics.Tensors.TensorPrimitives.Add(row, r.RowValues.AsSpan(i * h, h), row);
                rows.Add(r.Rows[i]);
            }

            StateCodec.Store(State, slot.First, slot.Count, h, r.StateH, r.StateC);
            loss += r.LossSum;
            tokens += r.Tokens;
        }

        ParameterUpdate.Apply(Weights, Gradients, Optimizer, Lr, Options.Clip);
        Version++;
        _lastDelta = Options.Optimizer == "sgd" ? Delta([.. rows]) : null;
        Pending.Clear();
        InFlight = false;
        Refusals = 0;
        Step++;
        Window++;
        EpochLoss += loss;
        EpochTokens += tokens;
        TotalTokens += tokens;
        return (loss, tokens);
    }

    /// <summary>Starts the next epoch: new learning rate, hidden state reset, cursor at window 0.</summary>
    public void NextEpoch()
    {
        Epoch++;
        Window = 0;
        EpochLoss = 0;
        EpochTokens = 0;
        State.Reset();
        Lr = Options.Schedule.ForEpoch(Epoch);
    }

    private WeightPatch Delta(int[] rows)
    {
        var h = Spec.Hidden;
        var values = new float[rows.Length * h];
        for (var i = 0; i < rows.Length; i++)
        {
            Weights.AsSpan(rows[i] * h, h).CopyTo(values.AsSpan(i * h, h));
        }

        return new WeightPatch(false, Weights.AsSpan(_embeddingLength).ToArray(), rows, values);
    }

    private WeightPatch FullPatch()
    {
        if (_full is null || _fullVersion != Version)
        {
            _full = new WeightPatch(true, (float[])Weights.Clone(), [], []);
            _fullVersion = Version;
        }

        return _full;
    }
}

/// <summary>Worker <see cref="WorkerId"/> computes streams [First, First+Count) this generation.</summary>
internal sealed record ShardSlot(string WorkerId, IActorRef Ref, int First, int Count);
