using System.Numerics.Tensors;
using Akka.Actor;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The parameter server's side of one job (sync, local SGD or async; see <see cref="LocalSgd"/> and
/// <see cref="Schedule"/> for how the latter two differ): a Core <see cref="TrainingLoop"/> (weights,
/// optimizer, cursor, schedule, clipping, epoch and checkpoint rules) fed by the workers. Each step the
/// B streams' stream groups are cut into one summation-tree node per worker (see
/// <see cref="StreamGroups.CutIntoNodes"/>); every worker returns its node's partial sum and the server
/// finishes the tree (<see cref="TreeReduction"/>), so the summed gradient is the one a single process
/// forms, bit for bit with <c>--deterministic</c>. It also keeps every stream's hidden state as of the
/// last completed step and the versions of the weights each worker holds.
/// </summary>
internal sealed class TrainingRun
{
    private readonly int _embeddingLength;
    private readonly Dictionary<string, (int First, int Count, int Groups)> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _slotOf = new(StringComparer.Ordinal);
    private readonly List<float[]> _partials = [];          // per slot, (layout size): the node's partial sum
    private readonly List<GradientSupport> _supports = [];  // per slot: where its partial is non-zero
    private readonly List<(float[] H, float[] C)?> _states = [];
    private readonly List<double> _losses = [];
    private readonly List<(double[] Blocks, double[] Rows)?> _squares = [];   // sharded: per key range
    private readonly HashSet<string> _readyEarly = new(StringComparer.Ordinal);     // sharded: workers at Version + 1 before the step commits
    private readonly HashSet<string> _awaitingReady = new(StringComparer.Ordinal);  // sharded: workers yet to confirm the committed Version
    private readonly CommitUndo? _undo;  // sharded: how to take the last commit back while _awaitingReady is not empty
    private readonly float[] _deltaRowValues;
    private readonly WeightMirror? _mirror;  // --compress bf16|fp16, central, sync and local SGD: the weights as the workers hold them
    private readonly Dictionary<long, int[]> _rowsChangedBy = [];  // async: version → the embedding rows its update changed (the last MaxDeltaVersions)
    private IReadOnlyList<(int Into, int From)> _plan = [];
    private int[]? _deltaRows;
    private int _received;
    private long _stepTokens;

    public TrainingRun(StartRun start)
    {
        JobId = start.JobId;
        Job = start.Job;
        Spec = start.Spec;
        Options = start.Job.Training;
        Data = start.Data;
        Streams = Data.Streams(Options);
        Loop = new TrainingLoop(Spec, Options, Data.Windows(Options));
        _embeddingLength = Loop.Layout.SparseRowsLength;
        _deltaRowValues = new float[_embeddingLength];
        State = ModelState.Carried(Spec, Options.Batch); // classify, cbow: no state crosses windows
        Checkpointing = start.Checkpointing;
        if (start.Resume is { } resume)
        {
            Loop.Restore(resume, State);
        }

        Sharded = start.Job.ShardsParameterServer(Spec);
        LocalSgd = start.Job.LocalSgd;
        Compression = start.Job.Compression;
        Schedule = start.Job.Async ? new StaleSynchronousSchedule(start.Job.MaxStaleness) : null;
        _mirror = Compression.CompressesWeights && !Sharded && Schedule is null
            ? new WeightMirror(Weights.Length, _embeddingLength, Spec.Hidden, Compression.Kind)
            : null;
        LastGathered = Sharded ? Loop.Snapshot(State) : null;
        _undo = Sharded ? new CommitUndo(ModelState.Carried(Spec, Options.Batch)) : null;
    }

    /// <summary>
    /// True when the parameter server is sharded over the workers (--ps-placement workers): the workers'
    /// key-range servers sum, clip and apply; this run keeps the cursor, the schedule, the global norm
    /// and the streams' state, and <see cref="Weights"/> only as of the last gather.
    /// </summary>
    public bool Sharded { get; }

    /// <summary>
    /// True in <c>--mode local-sgd</c>: a step is a round of <see cref="RoundWindows"/> windows that each
    /// worker trains alone from the same weights; the server then averages the workers' weights,
    /// weighted by their streams (Stich 2019; Lin et al. 2020), in slot order.
    /// </summary>
    public bool LocalSgd { get; }

    /// <summary>
    /// True when the step in flight is a local-SGD round: in local-sgd mode once the first
    /// <see cref="JobDefinition.WarmupSyncSteps"/> steps, which are synchronous, are done ("post-local
    /// SGD", Lin et al. 2020).
    /// </summary>
    public bool LocalRoundInFlight { get; private set; }

    /// <summary>Windows of the step in flight: 1, or a local-SGD round's (see <see cref="TrainingLoop.RoundWindows"/>).</summary>
    public int RoundWindows { get; private set; } = 1;

    /// <summary>
    /// In <c>--mode async</c>: the slots' clocks (stale-synchronous parallel, see
    /// <see cref="StaleSynchronousSchedule"/>); each gradient is applied as it arrives
    /// (<see cref="AcceptAsync"/>) and a step is committed once every slot has finished it
    /// (<see cref="CommitAsync"/>). Null in the other modes.
    /// </summary>
    public StaleSynchronousSchedule? Schedule { get; }

    /// <summary>Async: the gradients applied so far, the version of the weights workers are sent.</summary>
    public long AppliedUpdates { get; private set; }

    /// <summary>What gradients (and, for bf16/fp16, weight updates) become on the wire (<c>--compress</c>).</summary>
    public WireCompression Compression { get; }

    /// <summary>False when (sharded) the weights changed on the workers since they were last gathered here.</summary>
    public bool WeightsCurrent { get; private set; } = true;

    /// <summary>Sharded: the state as of the last gather (or the start): where a run restarts when no worker holds the current weights.</summary>
    public TrainingSnapshot? LastGathered { get; private set; }

    /// <summary>Sharded: this generation's key-range placement (range k served by slot k's worker).</summary>
    public KeyRangePlacement? Placement { get; private set; }

    /// <summary>A completed step's progress is reported, its checkpoint and epoch end are still to come (they may need a gather first).</summary>
    public bool AfterStepPending { get; set; }

    /// <summary>Sharded: a worker was asked for the current weights.</summary>
    public bool Gathering { get; set; }

    /// <summary>Sharded: the worker asked for the current weights.</summary>
    public string GatherFrom { get; set; } = string.Empty;

    public string JobId { get; }

    public JobDefinition Job { get; }

    public ModelSpec Spec { get; }

    public TrainingOptions Options { get; }

    /// <summary>The job's data (its task's: text, documents or a corpus for embeddings).</summary>
    public JobData Data { get; }

    /// <summary>A language model's B streams; null for classify and cbow jobs, whose workers hold all the data and compute their slots of each window.</summary>
    public BatchStreams? Streams { get; }

    /// <summary>The tokens (documents, centre words) the current epoch's windows done so far hold: what the workers must have reported.</summary>
    public long TokensExpected => Data.TokensInWindows(Epoch, Window, Options);

    /// <summary>The one training loop; this class only gathers its gradients from the workers.</summary>
    public TrainingLoop Loop { get; }

    public float[] Weights => Loop.Weights;

    public IOptimizer Optimizer => Loop.Optimizer;

    /// <summary>Every stream's hidden state as of the last completed step (B streams).</summary>
    public ModelState State { get; }

    public int Windows => Loop.Windows;

    public int Epoch => Loop.Epoch;

    public int Window => Loop.Window;

    public long Step => Loop.Step;

    public float Lr => Loop.Lr;

    /// <summary>Weights version: the number of updates applied (steps; in async mode, gradients).</summary>
    public long Version => Schedule is null ? Loop.Step : AppliedUpdates;

    public int Generation { get; private set; }

    public bool Started { get; set; }

    /// <summary>True when the supervisor keeps checkpoints of this job (see <see cref="CheckpointDue"/>).</summary>
    public bool Checkpointing { get; }

    public bool InFlight { get; set; }

    public bool NeedsRecut { get; set; } = true;

    public int Refusals { get; set; }

    /// <summary>(workers up, workers needed) as last reported while waiting; null when not waiting.</summary>
    public (int Available, int Needed)? WaitingFor { get; set; }

    /// <summary>Since when the run waits for workers (null: not waiting).</summary>
    public DateTime? WaitingSince { get; set; }

    public long EpochTokens => Loop.EpochTokens;

    public long TotalTokens => Loop.TotalTokens;

    /// <summary>The largest peak resident memory a worker reported (MB).</summary>
    public double WorkerPeakRssMb { get; private set; }

    public StepTimingsRecorder Timings { get; } = new();

    /// <summary>Seconds of training, including those before a resume.</summary>
    public double TrainSeconds => Loop.TrainSeconds;

    public IReadOnlyList<ShardSlot> Slots { get; private set; } = [];

    public double TrainPpl => Loop.TrainPerplexity;

    public bool EpochDone => Loop.EpochDone;

    public bool StepsExhausted => Loop.StepsExhausted;

    public bool Final => Loop.Final;

    /// <summary>After a step: a checkpoint is due every checkpoint_every steps and at each epoch end.</summary>
    public bool CheckpointDue => Checkpointing && Loop.CheckpointDue(Job.CheckpointEvery);

    /// <summary>Copies the state as of the last completed step (call between steps).</summary>
    public TrainingSnapshot Snapshot() => Loop.Snapshot(State);

    /// <summary>
    /// Cuts the stream groups into one summation-tree node per worker (in id order) and starts a new
    /// generation. With --deterministic the groups are fixed (more workers than groups leave the
    /// rest idle); otherwise there is one group per worker, or --stream-groups if that is more.
    /// </summary>
    /// <param name="endpoints">Data-plane endpoints by worker id (sharded: the placement carries them).</param>
    public void Recut(IReadOnlyList<KeyValuePair<string, IActorRef>> workers, IReadOnlyDictionary<string, string>? endpoints = null)
    {
        var batch = Options.Batch;
        var groupCount = Options.Deterministic
            ? Options.EffectiveStreamGroups(1)
            : Math.Min(batch, Math.Max(Options.StreamGroups, workers.Count));
        var groups = new StreamGroups(batch, groupCount);
        var nodes = groups.CutIntoNodes(Math.Min(workers.Count, groupCount));
        var slots = new List<ShardSlot>(nodes.Count);
        for (var i = 0; i < nodes.Count; i++)
        {
            var (first, count) = nodes[i];
            slots.Add(new ShardSlot(workers[i].Key, workers[i].Value, groups.First(first), groups.Streams(first, first + count),
                [.. Enumerable.Range(first, count).Select(groups.Size)]));
        }

        Slots = slots;
        _plan = StreamGroups.SummationPlan(nodes);
        Placement = Sharded
            ? new KeyRangePlacement([.. slots.Select(s => s.WorkerId)], [.. slots.Select(s => endpoints?.GetValueOrDefault(s.WorkerId) ?? string.Empty)],
                [.. _plan.Select(p => p.Into)], [.. _plan.Select(p => p.From)])
            : null;
        _slotOf.Clear();
        for (var i = 0; i < slots.Count; i++)
        {
            _slotOf[slots[i].WorkerId] = i;
        }

        while (_partials.Count < slots.Count)
        {
            _partials.Add(new float[Weights.Length]);
            _supports.Add(new GradientSupport(_embeddingLength, Spec.Hidden, []));
        }

        Schedule?.Reset(slots.Count, Step);
        Generation++;
        NeedsRecut = false;
    }

    /// <summary>Abandons the step in flight: results of the current generation are ignored from now on.</summary>
    public void Abort()
    {
        Schedule?.Reset(Slots.Count, Step); // steps finished past the committed ones are trained again (their gradients stay applied)
        Generation++;
        InFlight = false;
        Gathering = false;
    }

    public void Forget(string workerId)
    {
        _held.Remove(workerId);
        _versions.Remove(workerId);
    }

    /// <summary>Clears the step's partial sums; called as a step (or a retry of it) is sent.</summary>
    public void BeginStep()
    {
        _states.Clear();
        _losses.Clear();
        for (var i = 0; i < Slots.Count; i++)
        {
            _states.Add(null);
            _losses.Add(0);
        }

        _received = 0;
        _stepTokens = 0;
        _squares.Clear();
        _squares.AddRange(Enumerable.Repeat<(double[], double[])?>(null, Sharded ? Slots.Count : 0));
        _readyEarly.Clear();
        LocalRoundInFlight = LocalSgd && Step >= Job.WarmupSyncSteps;
        RoundWindows = LocalRoundInFlight ? Loop.RoundWindows(Job.SyncEvery, Checkpointing ? Job.CheckpointEvery : 0) : 1;
    }

    /// <summary>
    /// The weight updates this step needs, each with its recipients: the delta from the previous version
    /// to the workers one version behind, the full vector to the others that lack the current version
    /// (see <see cref="WeightRecipients"/>). Under <c>--compress bf16|fp16</c> both come from the
    /// <see cref="WeightMirror"/>: the delta as 16-bit differences, the full vector as the mirror.
    /// Updates are views: serialize them before the next step.
    /// </summary>
    public IEnumerable<(List<IActorRef> To, WeightUpdate Update)> WeightUpdates()
    {
        var (delta, full) = WeightRecipients();
        if (_mirror is { } mirror)
        {
            if (mirror.Version == Version - 1)
            {
                mirror.Advance(Weights, Version, _deltaRows);
            }
            else if (mirror.Version != Version)
            {
                mirror.Reset(Weights, Version);
            }

            if (!mirror.HasDelta)
            {
                full.AddRange(delta);
                delta.Clear();
            }
        }

        if (delta.Count > 0)
        {
            yield return (delta, _mirror is { } m ? new WeightUpdate(JobId, Version, m.Delta()) : DeltaUpdate());
        }

        if (full.Count > 0)
        {
            yield return (full, _mirror is { } m ? new WeightUpdate(JobId, Version, m.Full()) : FullUpdate());
        }
    }

    /// <summary>
    /// Which workers need weights for this step: the delta from the previous version (those one
    /// version behind, with SGD, whose update leaves untouched embedding rows as they were; under
    /// weight compression any optimizer) or the full vector. Records them as holding the current
    /// version from now on.
    /// </summary>
    public (List<IActorRef> Delta, List<IActorRef> Full) WeightRecipients()
    {
        var delta = new List<IActorRef>();
        var full = new List<IActorRef>();
        if (LocalRoundInFlight)
        {
            // Every round changes every weight, and a worker's replica holds its own round's weights after it.
            full.AddRange(Slots.Select(s => s.Ref));
            return (delta, full);
        }

        foreach (var slot in Slots)
        {
            var version = _versions.GetValueOrDefault(slot.WorkerId, -1);
            if (version == Version)
            {
                continue;
            }

            (version == Version - 1 && (_deltaRows is not null || _mirror is not null) ? delta : full).Add(slot.Ref);
            _versions[slot.WorkerId] = Version;
        }

        return (delta, full);
    }

    /// <summary>The change of the last update, as views of the live weights (serialize it before the next update).</summary>
    public WeightUpdate DeltaUpdate()
    {
        var rows = _deltaRows ?? throw new InvalidOperationException("no delta since the last full update");
        return new WeightUpdate(JobId, Version, new WeightPatch(false, Weights.AsMemory(_embeddingLength), rows, CurrentRows(rows)));
    }

    /// <summary>All weights, as a view of the live weights (serialize it before the next update).</summary>
    public WeightUpdate FullUpdate() => new(JobId, Version, new WeightPatch(true, Weights, [], ReadOnlyMemory<float>.Empty));

    public ComputeStep StepFor(ShardSlot slot)
    {
        var shard = ShardFor(slot);
        var (h, c) = StateCodec.Slice(State, slot.First, slot.Count, Spec.Hidden);
        return new ComputeStep(JobId, Generation, Step, Window, Loop.LossScale, Options.Seed, Options.Bptt,
            shard, Version, h, c, Placement, LocalRoundInFlight ? new LocalRound(RoundWindows, Lr, Options.Clip) : null,
            Compression.ToString(), Lr, Options.Clip);
    }

    /// <summary>
    /// Async: the step after which no slot may start another until every slot has reached it: the
    /// epoch's end, the step limit or the next checkpoint step (see <see cref="TrainingLoop.RoundWindows"/>).
    /// </summary>
    public long Barrier => Step + Loop.RoundWindows(int.MaxValue, Checkpointing ? Job.CheckpointEvery : 0);

    /// <summary>
    /// Async: the slots that may start their next step now (in slot order). While a re-cut waits
    /// (<see cref="NeedsRecut"/>, a worker joined) no slot goes past the furthest one, so the steps
    /// already applied are committed before the streams move (see <see cref="AsyncIdle"/>).
    /// </summary>
    public List<int> IssuableSlots()
    {
        var schedule = Schedule ?? throw new InvalidOperationException("not an async run");
        var barrier = NeedsRecut ? Math.Min(Barrier, schedule.FurthestNext) : Barrier;
        return [.. Enumerable.Range(0, Slots.Count).Where(i => schedule.CanIssue(i, Step, barrier))];
    }

    /// <summary>Async: true when no slot has a step in flight or finished past the committed ones: the streams can be re-cut without training a step twice.</summary>
    public bool AsyncIdle => Schedule is not { } schedule || schedule.Idle(Step);

    /// <summary>Async: how many updates back a delta may reach; a worker further behind gets the whole vector.</summary>
    public const int MaxDeltaVersions = 64;

    /// <summary>
    /// Async: the weights slot <paramref name="i"/>'s worker needs for its next step (null: it holds
    /// the current version): with SGD, a delta from the version it holds (every tensor after the
    /// embedding and the embedding rows any update since changed), else the whole vector (views of the
    /// live weights: serialize at once). Records it as current.
    /// </summary>
    public WeightUpdate? AsyncWeightsFor(int i)
    {
        var id = Slots[i].WorkerId;
        var version = _versions.GetValueOrDefault(id, -1);
        if (version == Version)
        {
            return null;
        }

        _versions[id] = Version;
        if (version < 0 || Version - version > MaxDeltaVersions)
        {
            return FullUpdate();
        }

        var rows = new SortedSet<int>();
        for (var v = version + 1; v <= Version; v++)
        {
            if (!_rowsChangedBy.TryGetValue(v, out var changed))
            {
                return FullUpdate();
            }

            rows.UnionWith(changed);
        }

        int[] ids = [.. rows];
        return new WeightUpdate(JobId, Version, new WeightPatch(false, Weights.AsMemory(_embeddingLength), ids, CurrentRows(ids), From: version));
    }

    /// <summary>
    /// Async: slot <paramref name="i"/>'s next step, on the current weights, from its own streams'
    /// state when it is ahead of the committed steps (else from the run's stored state).
    /// </summary>
    public ComputeStep AsyncStepFor(int i)
    {
        var schedule = Schedule ?? throw new InvalidOperationException("not an async run");
        var slot = Slots[i];
        var step = schedule.NextStep(i);
        var (h, c) = step > Step && schedule.StateOf(i) is { } own ? own : StateCodec.Slice(State, slot.First, slot.Count, Spec.Hidden);
        schedule.Issued(i, Version, Step);
        return new ComputeStep(JobId, Generation, step, Window + (int)(step - Step), Loop.LossScale, Options.Seed, Options.Bptt,
            ShardFor(slot), Version, h, c, null, null, Compression.ToString());
    }

    /// <summary>Async: true when the result is the step slot's worker has in flight.</summary>
    public bool AwaitsAsync(GradientResult r) => _slotOf.TryGetValue(r.WorkerId, out var i) && Schedule!.Awaits(i, r.Step);

    /// <summary>
    /// Async: applies a worker's gradient at once (Downpour, Dean et al. 2012), at the epoch's rate,
    /// clipped to its share of the clip norm (clip · its streams / B: the workers' updates of one step
    /// then move the weights at most as far as sync mode's clipped sum), and records its step as
    /// finished for its slot.
    /// </summary>
    /// <exception cref="ArgumentException">When the gradient does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">When its norm is not finite (training diverged).</exception>
    public void AcceptAsync(GradientResult r)
    {
        var i = _slotOf[r.WorkerId];
        CopyPartial(i, r);
        ParameterUpdate.Apply(Weights, _partials[i], Optimizer, Lr, Options.Clip * Slots[i].Count / Options.Batch, _supports[i]);
        Schedule!.Finished(i, r.LossSum, r.Tokens, r.StateH, r.StateC, AppliedUpdates);
        AppliedUpdates++;
        _rowsChangedBy[AppliedUpdates] = _supports[i].Rows;
        _rowsChangedBy.Remove(AppliedUpdates - MaxDeltaVersions);
        WorkerPeakRssMb = Math.Max(WorkerPeakRssMb, r.PeakRssMb);
    }

    /// <summary>
    /// Async: when every slot has finished the first uncommitted step, stores its streams' states and
    /// counts it in the loop (the cursor advances; its updates are applied already). Returns the step's
    /// (Σ CE, tokens), or null when a slot has not finished it yet.
    /// </summary>
    public (double Loss, long Tokens)? CommitAsync()
    {
        var schedule = Schedule!;
        if (!schedule.Complete(Step))
        {
            return null;
        }

        var results = schedule.Take(Step);
        for (var i = 0; i < Slots.Count; i++)
        {
            StateCodec.Store(State, Slots[i].First, Slots[i].Count, Spec.Hidden, results[i].H, results[i].C);
        }

        var result = new StepGradient(TreeReduction.Sum(_plan, [.. results.Select(r => r.Loss)]), results.Sum(r => r.Tokens));
        Loop.Advance(result);
        InFlight = false;
        Refusals = 0;
        return (result.LossSum, result.Tokens);
    }

    /// <summary>
    /// The shard assignment to send with a slot's step when its worker does not hold it yet, else null:
    /// a language model's streams' token ids, or a classify or cbow job's whole training data.
    /// </summary>
    private ShardAssignment? ShardFor(ShardSlot slot)
    {
        var key = (slot.First, slot.Count, slot.GroupSizes.Length);
        if (_held.TryGetValue(slot.WorkerId, out var held) && held == key)
        {
            return null;
        }

        int[] tokens = [];
        var length = 0;
        if (Streams is { } streams)
        {
            length = streams.StreamLength;
            tokens = new int[slot.Count * length];
            for (var j = 0; j < slot.Count; j++)
            {
                streams.Stream(slot.First + j).CopyTo(tokens.AsSpan(j * length, length));
            }
        }

        _held[slot.WorkerId] = key;
        return new ShardAssignment(Spec.Cell.Name(), Spec.VocabSize, Spec.Layers, Spec.Hidden, Spec.Dropout,
            Spec.InitScale, Spec.ForgetBias, slot.First, slot.Count, length, tokens, slot.GroupSizes, Options.Deterministic,
            Spec.TieWeights, Streams is null ? Data.Corpus(Spec, Options) : null, Data.SpelledWords(Spec));
    }

    public bool HasGradientFrom(string workerId) => _slotOf.TryGetValue(workerId, out var i) && i < _states.Count && _states[i] is not null;

    /// <summary>The slots' workers the step waits for: a gradient result, (sharded) their range's squares, their WeightsReady.</summary>
    public IEnumerable<string> Missing()
    {
        if (Schedule is { } schedule)
        {
            foreach (var i in schedule.Missing(Step))
            {
                yield return Slots[i].WorkerId;
            }

            yield break;
        }

        for (var i = 0; i < Slots.Count; i++)
        {
            var id = Slots[i].WorkerId;
            if (!HasGradientFrom(id) || (Sharded && (_squares[i] is null || _awaitingReady.Contains(id))))
            {
                yield return id;
            }
        }
    }

    /// <summary>
    /// Sharded: true when the step can be committed: every slot's result and every range's squares are
    /// in. Every range then applies the step with the same global norm, so the next weights version is
    /// settled and the next step can go out while the ranges' new weights still travel: each worker
    /// starts it once its replica holds them and confirms them with a <see cref="WeightsReady"/>
    /// (which may come before or after the commit). Until every worker has, a lost worker takes the
    /// commit back (<see cref="SettleUnconfirmedCommit"/>).
    /// </summary>
    public bool ReadyToCommit => Sharded && _received == Slots.Count && _squares.All(q => q is not null);

    /// <summary>
    /// Sharded: takes a key range's partial sums of squares; once every range's are in, checks the
    /// global norm the ranges apply the step with (combined in range order, as each range does).
    /// Returns <see cref="ReadyToCommit"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the global norm is not finite: training diverged (the ranges do not apply such a step).</exception>
    public bool AcceptSquares(RangeSquares squares)
    {
        if (!Sharded || squares.Range < 0 || squares.Range >= _squares.Count)
        {
            return false;
        }

        _squares[squares.Range] = (squares.Blocks, squares.Rows);
        if (KeyRangeShard.GlobalNorm(_squares) is { } norm)
        {
            ParameterUpdate.CheckFinite(norm);
        }

        return ReadyToCommit;
    }

    /// <summary>
    /// Sharded: a worker's replica holds weights version <see cref="WeightsReady.Version"/>: the committed
    /// <see cref="Version"/> (the commit is confirmed once every slot's worker has said so) or, before
    /// the step in flight commits, the next.
    /// </summary>
    public void AcceptReady(WeightsReady ready)
    {
        if (!_slotOf.ContainsKey(ready.WorkerId))
        {
            return;
        }

        if (ready.Version == Version)
        {
            _awaitingReady.Remove(ready.WorkerId);
        }
        else if (ready.Version == Version + 1)
        {
            _readyEarly.Add(ready.WorkerId);
        }
    }

    /// <summary>
    /// Sharded, when a worker is lost: makes the last commit safe if some worker has not confirmed its
    /// weights yet (the lost one may have been the only holder of a key range's new values). When the
    /// weights were gathered here since, the unconfirmed workers get the full vector with the next step;
    /// otherwise the commit is taken back: cursor, sums, streams' state and replica versions return to
    /// before it, and the step is trained again (the workers roll their replicas back to its version).
    /// Returns true when it took a commit back.
    /// </summary>
    public bool SettleUnconfirmedCommit()
    {
        if (_awaitingReady.Count == 0 || _undo is not { } undo)
        {
            return false;
        }

        if (WeightsCurrent)
        {
            foreach (var id in _awaitingReady)
            {
                _versions[id] = -1;
            }

            _awaitingReady.Clear();
            return false;
        }

        _awaitingReady.Clear();
        Loop.Rewind(undo.Position);
        State.CopyFrom(undo.State);
        foreach (var (id, version) in undo.Versions)
        {
            _versions[id] = version;
        }

        WeightsCurrent = undo.WeightsCurrent;
        AfterStepPending = false;
        return true;
    }

    /// <summary>
    /// Sharded: every result and every range's squares are in (<see cref="ReadyToCommit"/>): stores the
    /// streams' state and advances the loop (the weights here are stale from now until the next gather),
    /// keeping what it changed until every worker confirms the new weights. Returns the step's (Σ CE, tokens).
    /// </summary>
    public (double Loss, long Tokens) Commit()
    {
        _undo?.Save(Loop.Position, State, Slots.Select(s => (s.WorkerId, _versions.GetValueOrDefault(s.WorkerId, -1))), WeightsCurrent);
        StoreStates();
        var result = new StepGradient(TreeReduction.Sum(_plan, _losses.ToArray()), _stepTokens);
        Loop.Advance(result);
        WeightsCurrent = false;
        _awaitingReady.Clear();
        foreach (var slot in Slots)
        {
            _versions[slot.WorkerId] = Version; // every slot's worker will hold it: see SettleUnconfirmedCommit
            if (!_readyEarly.Contains(slot.WorkerId))
            {
                _awaitingReady.Add(slot.WorkerId);
            }
        }

        BeginStep();
        InFlight = false;
        Refusals = 0;
        return (result.LossSum, result.Tokens);
    }

    /// <summary>Sharded: true when a slot's worker needs the full weights (it joined or lost them).</summary>
    public bool NeedsFullWeights() => Slots.Any(s => _versions.GetValueOrDefault(s.WorkerId, -1) != Version);

    /// <summary>Sharded: a worker known to hold the current weights, or null.</summary>
    public string? HolderOfCurrentWeights() => _versions.Where(kv => kv.Value == Version).Select(kv => kv.Key).Order(StringComparer.Ordinal).FirstOrDefault();

    /// <summary>Sharded: takes the current weights a worker sent; false when they are not the current version.</summary>
    public bool AcceptWeights(WeightUpdate update)
    {
        if (!Gathering || !update.Patch.Full || update.Version != Version || update.Patch.Dense.Length != Weights.Length)
        {
            return false;
        }

        update.Patch.Dense.CopyTo(Weights);
        TensorPool.Return(update.Patch.Dense);
        WeightsCurrent = true;
        Gathering = false;
        LastGathered = Loop.Snapshot(State);
        return true;
    }

    /// <summary>
    /// Sharded, when no worker holds the current weights (all that did are gone): back to the last
    /// gather; the steps since are trained again (their tokens were taken out of the epoch's count).
    /// </summary>
    public void RestoreLastGathered()
    {
        var snapshot = LastGathered ?? throw new InvalidOperationException("no gathered weights to restart from");
        Loop.Restore(snapshot, State);
        _versions.Clear();
        _awaitingReady.Clear();
        WeightsCurrent = true;
        AfterStepPending = false;
    }

    /// <summary>
    /// Takes a worker's partial sum of the step into its slot's buffer (dense part, then its embedding
    /// rows; the rows of the slot's previous partial are zeroed). True when every slot's is in.
    /// </summary>
    /// <exception cref="ArgumentException">When the gradient does not fit the model.</exception>
    public bool Accept(GradientResult r)
    {
        var i = _slotOf[r.WorkerId];
        if (Sharded)
        {
            TakeResult(i, r); // the gradient went to the key ranges
            return ReadyToCommit;
        }

        if (LocalRoundInFlight)
        {
            AcceptRound(i, r);
        }
        else
        {
            CopyPartial(i, r);
        }

        TakeResult(i, r);
        return _received == Slots.Count;
    }

    /// <summary>
    /// Slot <paramref name="i"/>'s partial gradient into its buffer: the dense part, then its embedding
    /// rows (the rows of the slot's previous partial are zeroed); its support is the rows it sent.
    /// </summary>
    /// <exception cref="ArgumentException">When the gradient does not fit the model.</exception>
    private void CopyPartial(int i, GradientResult r)
    {
        var h = Spec.Hidden;
        var partial = _partials[i];
        var dense = CheckFits(partial, r);
        foreach (var id in _supports[i].Rows)
        {
            Array.Clear(partial, id * h, h);
        }

        r.Dense.CopyTo(dense);
        WriteRows(partial, r.Rows, r.RowValues.Span, additive: false);
        TensorPool.Return(r.Dense); // copied: the decoded array can serve the next message
        var rows = r.Rows.ToArray();
        Array.Sort(rows);
        _supports[i] = new GradientSupport(_embeddingLength, h, rows);
    }

    /// <summary>
    /// A local-SGD round's result into slot <paramref name="i"/>'s buffer as the worker's weights after
    /// it: its weights (rows it did not touch are as the round started), or with <c>--compress</c> the
    /// change it sent added to the weights the round started from.
    /// </summary>
    /// <exception cref="ArgumentException">When the result does not fit the model.</exception>
    private void AcceptRound(int i, GradientResult r)
    {
        var partial = _partials[i];
        var dense = CheckFits(partial, r);
        var change = Compression.Kind != CompressionKind.None;
        Weights.AsSpan(0, change ? Weights.Length : _embeddingLength).CopyTo(partial);
        if (change)
        {
            r.Dense.AddTo(dense);
        }
        else
        {
            r.Dense.CopyTo(dense);
        }

        WriteRows(partial, r.Rows, r.RowValues.Span, additive: change);
        TensorPool.Return(r.Dense);
        _supports[i] = new GradientSupport(_embeddingLength, Spec.Hidden, []);
    }

    /// <summary>The dense part of <paramref name="partial"/> after checking the result's sizes fit the model.</summary>
    /// <exception cref="ArgumentException">When they do not.</exception>
    private Span<float> CheckFits(float[] partial, GradientResult r)
    {
        var dense = partial.AsSpan(_embeddingLength);
        if (r.Dense.Length != dense.Length || r.RowValues.Length != r.Rows.Length * Spec.Hidden || r.RowValues.IsSparse)
        {
            throw new ArgumentException($"gradient of {r.WorkerId} has {r.Dense.Length} dense values and {r.RowValues.Length} row values; expected {dense.Length} and {r.Rows.Length * Spec.Hidden}");
        }

        return dense;
    }

    /// <summary>Embedding row rows[k] of <paramref name="target"/> becomes (or, <paramref name="additive"/>, gains) the k-th row of <paramref name="values"/> (H each).</summary>
    private void WriteRows(float[] target, int[] rows, ReadOnlySpan<float> values, bool additive)
    {
        var h = Spec.Hidden;
        for (var k = 0; k < rows.Length; k++)
        {
            var row = target.AsSpan(rows[k] * h, h);
            if (additive)
            {
                TensorPrimitives.Add(row, values.Slice(k * h, h), row);
            }
            else
            {
                values.Slice(k * h, h).CopyTo(row);
            }
        }
    }

    /// <summary>The current values of embedding rows <paramref name="rows"/>, row after row, in the reused delta buffer (a view: serialize before the next update).</summary>
    private Memory<float> CurrentRows(int[] rows)
    {
        var h = Spec.Hidden;
        for (var k = 0; k < rows.Length; k++)
        {
            Weights.AsSpan(rows[k] * h, h).CopyTo(_deltaRowValues.AsSpan(k * h, h));
        }

        return _deltaRowValues.AsMemory(0, rows.Length * h);
    }

    /// <summary>Keeps slot <paramref name="i"/>'s loss, tokens, streams' state and memory figure, and counts it in.</summary>
    private void TakeResult(int i, GradientResult r)
    {
        _states[i] = (r.StateH, r.StateC);
        _losses[i] = r.LossSum;
        _stepTokens += r.Tokens;
        WorkerPeakRssMb = Math.Max(WorkerPeakRssMb, r.PeakRssMb);
        _received++;
    }

    /// <summary>
    /// Once every partial sum is in: finishes the summation tree, stores the streams' new hidden state,
    /// applies the update through the loop (which advances the cursor). Returns the step's (Σ CE, tokens).
    /// </summary>
    public (double Loss, long Tokens) Apply()
    {
        if (_received != Slots.Count)
        {
            throw new InvalidOperationException($"step {Step}: {_received} of {Slots.Count} gradients in");
        }

        if (LocalRoundInFlight)
        {
            return AverageRound();
        }

        StoreStates();
        var count = Slots.Count;
        var support = TreeReduction.Sum(_plan, _partials.GetRange(0, count), _supports.GetRange(0, count), Environment.ProcessorCount);
        foreach (var into in _plan.Select(p => p.Into).Distinct())
        {
            _supports[into] = support; // buffers added into hold others' rows now: zero them all next time
        }
        var result = new StepGradient(TreeReduction.Sum(_plan, _losses.ToArray()), _stepTokens);
        Loop.Apply(_partials[0], result, support);
        _deltaRows = Options.Optimizer == "sgd" ? support.Rows : null; // other optimizers step every row
        BeginStep();
        InFlight = false;
        Refusals = 0;
        return (result.LossSum, result.Tokens);
    }

    /// <summary>
    /// Local SGD: the new weights are the workers' weights averaged with weights (streams of the slot) / B,
    /// added in slot order, so a run is reproducible for a worker count; the loop advances by the round's
    /// windows. With one window per round this is the synchronous SGD step up to rounding (each worker's
    /// loss is its own streams' batch mean), as long as no clipping applies.
    /// </summary>
    private (double Loss, long Tokens) AverageRound()
    {
        StoreStates();
        var batch = (float)Options.Batch;
        TensorPrimitives.Multiply(_partials[0], Slots[0].Count / batch, Weights);
        for (var i = 1; i < Slots.Count; i++)
        {
            TensorPrimitives.MultiplyAdd(_partials[i], Slots[i].Count / batch, Weights, Weights);
        }

        var result = new StepGradient(TreeReduction.Sum(_plan, _losses.ToArray()), _stepTokens);
        Loop.Advance(result, RoundWindows);
        _deltaRows = null;
        BeginStep();
        InFlight = false;
        Refusals = 0;
        return (result.LossSum, result.Tokens);
    }

    /// <summary>Stores the streams' new hidden state: only once the step is done, as a step aborted halfway is redone from the old state.</summary>
    private void StoreStates()
    {
        for (var i = 0; i < Slots.Count; i++)
        {
            var slot = Slots[i];
            var (h, c) = _states[i]!.Value;
            StateCodec.Store(State, slot.First, slot.Count, Spec.Hidden, h, c);
        }
    }

    /// <summary>Starts the next epoch: new learning rate, hidden state reset, cursor at window 0.</summary>
    public void NextEpoch()
    {
        Loop.NextEpoch();
        State.Reset();
    }

}

/// <summary>
/// What a sharded commit changed, kept until every worker confirms the new weights: the loop's position
/// and the streams' hidden state before it (<paramref name="state"/>: buffers of the run's shape, reused
/// every step), which weights version each slot's worker held (−1: none), and whether the weights here
/// were current.
/// </summary>
internal sealed class CommitUndo(ModelState state)
{
    public LoopPosition Position { get; private set; }

    public ModelState State { get; } = state;

    public List<(string WorkerId, long Version)> Versions { get; } = [];

    public bool WeightsCurrent { get; private set; }

    public void Save(LoopPosition position, ModelState current, IEnumerable<(string WorkerId, long Version)> versions, bool weightsCurrent)
    {
        Position = position;
        State.CopyFrom(current);
        Versions.Clear();
        Versions.AddRange(versions);
        WeightsCurrent = weightsCurrent;
    }
}

/// <summary>
/// Worker <see cref="WorkerId"/> computes streams [First, First+Count) this generation: one node of the
/// summation tree, whose stream groups hold <see cref="GroupSizes"/> streams each.
/// </summary>
internal sealed record ShardSlot(string WorkerId, IActorRef Ref, int First, int Count, int[] GroupSizes);
