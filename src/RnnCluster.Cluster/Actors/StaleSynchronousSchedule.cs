using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The clocks of <c>--mode async --max-staleness S</c>, stale-synchronous parallel as Ho et al. (NIPS
/// 2013, "More effective distributed ML via a stale synchronous parallel parameter server"): every
/// worker (slot) trains its own streams step after step, its gradient applied by the server as it
/// arrives (Downpour, Dean et al. 2012); a slot may start step s only while s ≤ c + S, where c is the
/// number of steps every slot has finished (the committed steps), and otherwise waits (its next step
/// is held back, never dropped). A step's weights therefore hold every update of steps before s − S;
/// the staleness of a gradient is s − c at the moment its step was issued, at most S. Steps are
/// committed (their losses and tokens counted, their streams' states kept) in order once every slot
/// has finished them; a run stops issuing at barriers (epoch ends, the step limit, checkpoint steps)
/// until every slot reaches them, so those are points where all streams are at the same step.
/// </summary>
internal sealed class StaleSynchronousSchedule(int maxStaleness)
{
    private readonly List<SlotClock> _slots = [];
    private long _gradients;
    private long _stalenessSum;
    private long _updatesBehindSum;
    private long _maxStaleness;

    /// <summary>S: how many steps a slot may run ahead of the committed ones.</summary>
    public int MaxStaleness { get; } = maxStaleness;

    /// <summary>The staleness the applied gradients showed so far (see <see cref="ObservedStaleness"/>; zeros before the first).</summary>
    public ObservedStaleness Observed => _gradients == 0
        ? new ObservedStaleness(0, 0, 0)
        : new ObservedStaleness((double)_stalenessSum / _gradients, _maxStaleness, (double)_updatesBehindSum / _gradients);

    public int Count => _slots.Count;

    /// <summary>A new generation of <paramref name="slots"/> slots, all to start at step <paramref name="committed"/> from the run's stored states.</summary>
    public void Reset(int slots, long committed)
    {
        _slots.Clear();
        for (var i = 0; i < slots; i++)
        {
            _slots.Add(new SlotClock { Next = committed });
        }
    }

    /// <summary>True when slot <paramref name="i"/> may start its next step now.</summary>
    public bool CanIssue(int i, long committed, long barrier)
    {
        var slot = _slots[i];
        return !slot.InFlight && slot.Next < barrier && slot.Next <= committed + MaxStaleness;
    }

    /// <summary>The furthest next step of any slot (0 without slots).</summary>
    public long FurthestNext => _slots.Count == 0 ? 0 : _slots.Max(s => s.Next);

    /// <summary>True when no slot has a step in flight and every slot's next step is <paramref name="committed"/>.</summary>
    public bool Idle(long committed) => _slots.All(s => !s.InFlight && s.Next == committed);

    /// <summary>The step slot <paramref name="i"/> computes next.</summary>
    public long NextStep(int i) => _slots[i].Next;

    /// <summary>Slot <paramref name="i"/>'s streams' state after its last finished step (null: the run's stored state).</summary>
    public (float[] H, float[] C)? StateOf(int i) => _slots[i].State;

    /// <summary>Slot <paramref name="i"/>'s next step is sent, on weights of update count <paramref name="version"/>, with <paramref name="committed"/> steps committed.</summary>
    public void Issued(int i, long version, long committed)
    {
        var slot = _slots[i];
        slot.InFlight = true;
        slot.IssuedVersion = version;
        slot.IssuedStaleness = slot.Next - committed;
    }

    /// <summary>True when slot <paramref name="i"/> has step <paramref name="step"/> in flight.</summary>
    public bool Awaits(int i, long step) => i < _slots.Count && _slots[i].InFlight && _slots[i].Next == step;

    /// <summary>Slot <paramref name="i"/> finished its step in flight; <paramref name="version"/> is the update count before its gradient is applied.</summary>
    public void Finished(int i, double loss, long tokens, float[] h, float[] c, long version)
    {
        var slot = _slots[i];
        slot.Done[slot.Next] = (loss, tokens, h, c);
        slot.State = (h, c);
        slot.InFlight = false;
        slot.Next++;
        _gradients++;
        _stalenessSum += slot.IssuedStaleness;
        _updatesBehindSum += version - slot.IssuedVersion;
        _maxStaleness = Math.Max(_maxStaleness, slot.IssuedStaleness);
    }

    /// <summary>True when every slot has finished <paramref name="step"/>.</summary>
    public bool Complete(long step) => _slots.Count > 0 && _slots.All(s => s.Done.ContainsKey(step));

    /// <summary>Takes every slot's result of <paramref name="step"/> in slot order: (loss, tokens, H, C) per slot.</summary>
    public List<(double Loss, long Tokens, float[] H, float[] C)> Take(long step)
    {
        var results = new List<(double, long, float[], float[])>(_slots.Count);
        foreach (var slot in _slots)
        {
            results.Add(slot.Done[step]);
            slot.Done.Remove(step);
        }

        return results;
    }

    /// <summary>Slots whose result of <paramref name="step"/> is missing.</summary>
    public IEnumerable<int> Missing(long step) => Enumerable.Range(0, _slots.Count).Where(i => !_slots[i].Done.ContainsKey(step));

    private sealed class SlotClock
    {
        public long Next { get; set; }

        public bool InFlight { get; set; }

        public long IssuedVersion { get; set; }

        public long IssuedStaleness { get; set; }

        public (float[] H, float[] C)? State { get; set; }

        public Dictionary<long, (double Loss, long Tokens, float[] H, float[] C)> Done { get; } = [];
    }
}
