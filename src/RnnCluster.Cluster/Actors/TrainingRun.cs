using System.Diagnostics;
using System.Numerics.Tensors;
using Akka.Actor;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The parameter server's state of one sync job: weights, optimizer, the B streams' hidden state and
/// cursor as of the last completed step, and the current cut of the streams over the workers. The
/// math is <see cref="Trainer.Run"/>'s, with the step's gradient summed over shards in worker order:
/// each gradient is added as soon as it and every gradient before it in that order are in, so the
/// sum overlaps the wait for the slower workers and its rounding never depends on arrival order.
/// </summary>
internal sealed class TrainingRun
{
    private readonly int _embeddingLength;
    private readonly Dictionary<string, (int First, int Count)> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GradientResult> _waiting = new(StringComparer.Ordinal);
    private readonly HashSet<string> _received = new(StringComparer.Ordinal);
    private readonly List<(float[] H, float[] C)> _summedStates = []; // per slot, stored once every gradient is in
    private readonly bool[] _rowTouched;
    private readonly List<int> _touchedRows = [];
    private readonly float[] _deltaRowValues;
    private int[]? _deltaRows;
    private int _summed;
    private double _stepLoss;
    private long _stepTokens;
    private double _trainSecondsBefore;

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
        _rowTouched = new bool[Spec.VocabSize];
        _deltaRowValues = new float[_embeddingLength];
        Optimizer = Optimizers.Create(Options.Optimizer, Weights.Length, Options.Momentum);
        State = new ModelState(Spec, Options.Batch);
        Windows = Streams.WindowCount(Options.Bptt);
        Checkpointing = start.Checkpointing;
        if (start.Resume is { } resume)
        {
            Restore(resume);
        }

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

    /// <summary>True when the supervisor keeps checkpoints of this job (see <see cref="CheckpointDue"/>).</summary>
    public bool Checkpointing { get; }

    public bool InFlight { get; set; }

    public bool NeedsRecut { get; set; } = true;

    public int Refusals { get; set; }

    /// <summary>Since when the run waits for workers (null: not waiting).</summary>
    public DateTime? WaitingSince { get; set; }

    public double EpochLoss { get; private set; }

    public long EpochTokens { get; private set; }

    public long TotalTokens { get; private set; }

    /// <summary>The largest peak resident memory a worker reported (MB).</summary>
    public double WorkerPeakRssMb { get; private set; }

    public StepTimingsRecorder Timings { get; } = new();

    public Stopwatch TrainClock { get; } = new();

    /// <summary>Seconds of training, including those before a resume.</summary>
    public double TrainSeconds => _trainSecondsBefore + TrainClock.Elapsed.TotalSeconds;

    public IReadOnlyList<ShardSlot> Slots { get; private set; } = [];

    public double TrainPpl => EpochTokens == 0 ? double.NaN : Math.Exp(EpochLoss / EpochTokens);

    public bool EpochDone => Window >= Windows;

    public bool StepsExhausted => Options.MaxSteps > 0 && Step >= Options.MaxSteps;

    public bool Final => StepsExhausted || (EpochDone && Epoch >= Options.Epochs);

    /// <summary>After a step: a checkpoint is due every checkpoint_every steps and at each epoch end.</summary>
    public bool CheckpointDue => Checkpointing
        && (EpochDone || StepsExhausted || (Job.CheckpointEvery > 0 && Step % Job.CheckpointEvery == 0));

    /// <summary>Copies the state as of the last completed step (call between steps).</summary>
    public RunSnapshot Snapshot() => new(
        Epoch,
        Window,
        Step,
        EpochLoss,
        EpochTokens,
        TotalTokens,
        TrainSeconds,
        (float[])Weights.Clone(),
        Optimizer.State.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone(), StringComparer.Ordinal),
        [.. State.H.Select(h => (float[])h.Clone())],
        [.. State.C.Select(c => (float[])c.Clone())]);

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
    }

    /// <summary>Abandons the step in flight: results of the current generation are ignored from now on.</summary>
    public void Abort()
    {
        Generation++;
        InFlight = false;
    }

    public void Forget(string workerId)
    {
        _held.Remove(workerId);
        _versions.Remove(workerId);
    }

    /// <summary>Marks a worker as needing its shard and full weights again.</summary>

    /// <summary>Clears the step's sum; called as a step (or a retry of it) is sent.</summary>
    public void BeginStep()
    {
        Array.Clear(Gradients);
        _waiting.Clear();
        _received.Clear();
        _summedStates.Clear();
        ClearTouchedRows();
        _summed = 0;
        _stepLoss = 0;
        _stepTokens = 0;
    }

    /// <summary>
    /// Which workers need weights for this step: the delta from the previous version (those one
    /// version behind, with SGD, whose update leaves untouched embedding rows as they were) or the full
    /// vector. Records them as holding the current version from now on.
    /// </summary>
    public (List<IActorRef> Delta, List<IActorRef> Full) WeightRecipients()
    {
        var delta = new List<IActorRef>();
        var full = new List<IActorRef>();
        foreach (var slot in Slots)
        {
            var version = _versions.GetValueOrDefault(slot.WorkerId, -1);
            if (version == Version)
            {
                continue;
            }

            (version == Version - 1 && _deltaRows is not null ? delta : full).Add(slot.Ref);
            _versions[slot.WorkerId] = Version;
        }

        return (delta, full);
    }

    /// <summary>The change of the last update, as views of the live weights (serialize it before the next update).</summary>
    public WeightUpdate DeltaUpdate()
    {
        var rows = _deltaRows ?? throw new InvalidOperationException("no delta since the last full update");
        var values = _deltaRowValues.AsMemory(0, rows.Length * Spec.Hidden);
        return new WeightUpdate(JobId, Version, new WeightPatch(false, Weights.AsMemory(_embeddingLength), rows, values));
    }

    /// <summary>All weights, as a view of the live weights (serialize it before the next update).</summary>
    public WeightUpdate FullUpdate() => new(JobId, Version, new WeightPatch(true, Weights, [], ReadOnlyMemory<float>.Empty));

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

        var (h, c) = StateCodec.Slice(State, slot.First, slot.Count, Spec.Hidden);
        return new ComputeStep(JobId, Generation, Step, Window, 1f / Options.Batch, Options.Seed, Options.Bptt,
            shard, Version, h, c);
    }

    public bool HasGradientFrom(string workerId) => _received.Contains(workerId);

    /// <summary>
    /// Takes a worker's gradient of the step and adds every waiting gradient that is next in slot order
    /// to the sum (token-weighted already: every shard used lossScale 1/B). True when all are summed.
    /// </summary>
    public bool Accept(GradientResult result)
    {
        _received.Add(result.WorkerId);
        _waiting[result.WorkerId] = result;
        WorkerPeakRssMb = Math.Max(WorkerPeakRssMb, result.PeakRssMb);
        while (_summed < Slots.Count && _waiting.Remove(Slots[_summed].WorkerId, out var next))
        {
            Add(next);
            _summed++;
        }

        return _summed == Slots.Count;
    }

    /// <summary>
    /// Once every gradient is summed: stores the streams' new hidden state, clips and applies the
    /// update, and advances the cursor. Returns the step's (Σ CE, tokens).
    /// </summary>
    public (double Loss, long Tokens) Apply()
    {
        if (_summed != Slots.Count)
        {
            throw new InvalidOperationException($"step {Step}: {_summed} of {Slots.Count} gradients summed");
        }

        // The hidden state is stored only now: a step aborted halfway must be redone from the old state.
        for (var i = 0; i < Slots.Count; i++)
        {
            var slot = Slots[i];
            var (h, c) = _summedStates[i];
            StateCodec.Store(State, slot.First, slot.Count, Spec.Hidden, h, c);
        }

        ParameterUpdate.Apply(Weights, Gradients, Optimizer, Lr, Options.Clip);
        Version++;
        RememberDelta();
        var (loss, tokens) = (_stepLoss, _stepTokens);
        BeginStep();
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

    private void Restore(RunSnapshot s)
    {
        if (s.Weights.Length != Weights.Length || s.StateH.Length != State.H.Length || s.StateC.Length != State.C.Length)
        {
            throw new ArgumentException($"the checkpoint of {JobId} does not fit its model ({s.Weights.Length} weights, expected {Weights.Length})");
        }

        s.Weights.CopyTo(Weights, 0);
        Optimizers.Restore(Optimizer, s.OptimizerState);
        for (var l = 0; l < State.H.Length; l++)
        {
            if (s.StateH[l].Length != State.H[l].Length || s.StateC[l].Length != State.C[l].Length)
            {
                throw new ArgumentException($"the checkpoint of {JobId} has a hidden state of another batch or size");
            }

            s.StateH[l].CopyTo(State.H[l], 0);
            s.StateC[l].CopyTo(State.C[l], 0);
        }

        Epoch = s.Epoch;
        Window = s.Window;
        Step = s.Step;
        Version = s.Step;
        EpochLoss = s.EpochLoss;
        EpochTokens = s.EpochTokens;
        TotalTokens = s.TotalTokens;
        _trainSecondsBefore = s.TrainSeconds;
    }

    private void Add(GradientResult r)
    {
        var h = Spec.Hidden;
        var dense = Gradients.AsSpan(_embeddingLength);
        if (r.Dense.Length != dense.Length || r.RowValues.Length != r.Rows.Length * h)
        {
            throw new ArgumentException($"gradient of {r.WorkerId} has {r.Dense.Length} dense values and {r.RowValues.Length} row values; expected {dense.Length} and {r.Rows.Length * h}");
        }

        TensorPrimitives.Add(dense, r.Dense.Span, dense);
        var rowValues = r.RowValues.Span;
        for (var i = 0; i < r.Rows.Length; i++)
        {
            var id = r.Rows[i];
            var row = Gradients.AsSpan(id * h, h);
            TensorPrimitives.Add(row, rowValues.Slice(i * h, h), row);
            if (!_rowTouched[id])
            {
                _rowTouched[id] = true;
                _touchedRows.Add(id);
            }
        }

        _summedStates.Add((r.StateH, r.StateC));
        _stepLoss += r.LossSum;
        _stepTokens += r.Tokens;
    }

    private void RememberDelta()
    {
        if (Options.Optimizer != "sgd")
        {
            _deltaRows = null;
            return;
        }

        _touchedRows.Sort();
        _deltaRows = [.. _touchedRows];
        var h = Spec.Hidden;
        for (var i = 0; i < _deltaRows.Length; i++)
        {
            Weights.AsSpan(_deltaRows[i] * h, h).CopyTo(_deltaRowValues.AsSpan(i * h, h));
        }
    }

    private void ClearTouchedRows()
    {
        foreach (var id in _touchedRows)
        {
            _rowTouched[id] = false;
        }

        _touchedRows.Clear();
    }
}

/// <summary>Worker <see cref="WorkerId"/> computes streams [First, First+Count) this generation.</summary>
internal sealed record ShardSlot(string WorkerId, IActorRef Ref, int First, int Count);
