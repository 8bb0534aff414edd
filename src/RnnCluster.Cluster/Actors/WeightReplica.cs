using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A worker's copy of a job's weights and their version, patched by each <see cref="WeightUpdate"/>.
/// The array is allocated by the first full update and then only overwritten, so the shard's model
/// can compute on it directly.
/// </summary>
internal sealed class WeightReplica(string jobId)
{
    private readonly List<(int Start, int Length)> _savedSpans = [];
    private readonly HashSet<int> _savedStarts = [];
    private readonly HashSet<int> _slicesIn = [];
    private float[] _backup = [];   // (layout size): the values the slices of Version + 1 overwrote
    private long _incoming = -1;    // the version whose slices are coming in, −1: none

    public string JobId { get; } = jobId;

    /// <summary>True while some but not all key ranges of the next version are in: the weights are mixed.</summary>
    public bool Partial => _incoming >= 0;

    /// <summary>Empty until the first full update.</summary>
    public float[] Weights { get; private set; } = [];

    /// <summary>The version held; −1 before the first full update and after a delta that did not fit.</summary>
    public long Version { get; private set; } = -1;

    /// <summary>True after an update could not be applied: only a full update helps now.</summary>
    public bool Stale { get; private set; }

    /// <summary>
    /// The weights were changed here (a local-SGD round): they are no server version any more, so the
    /// next step waits for a full update.
    /// </summary>
    public void Invalidate()
    {
        Version = -1;
        Stale = false;
        ForgetSlices();
    }

    /// <summary>Applies an update; false (and <see cref="Stale"/>) when it is a delta that does not follow the version held.</summary>
    public bool Apply(WeightUpdate update)
    {
        var patch = update.Patch;
        if (patch.Dense.IsSparse || patch.RowValues.IsSparse)
        {
            Version = -1; // weights never travel sparse: a malformed update
            Stale = true;
            return false;
        }

        if (patch.Full)
        {
            if (Weights.Length != patch.Dense.Length)
            {
                Weights = new float[patch.Dense.Length];
            }

            patch.Dense.CopyTo(Weights);
            Version = update.Version;
            Stale = false;
            ForgetSlices();
            return true;
        }

        var embeddingLength = Weights.Length - patch.Dense.Length;
        var hidden = patch.Rows.Length == 0 ? 0 : patch.RowValues.Length / patch.Rows.Length;
        var from = patch.From >= 0 ? patch.From : update.Version - 1;
        if (Version != from || from >= update.Version || (patch.Additive && from != update.Version - 1) || embeddingLength < 0 || hidden * patch.Rows.Length != patch.RowValues.Length)
        {
            Version = -1;
            Stale = true;
            return false;
        }

        if (patch.Rows.Any(row => row < 0 || (row + 1) * hidden > embeddingLength))
        {
            Version = -1;
            Stale = true;
            return false;
        }

        Write(patch.Dense.Span, Weights.AsSpan(embeddingLength), patch.Additive);
        var values = patch.RowValues.Span;
        for (var i = 0; i < patch.Rows.Length; i++)
        {
            Write(values.Slice(i * hidden, hidden), Weights.AsSpan(patch.Rows[i] * hidden, hidden), patch.Additive);
        }

        Version = update.Version;
        return true;
    }

    /// <summary>
    /// Applies key range <see cref="WeightSlice.Range"/> of the version after the one held, keeping what
    /// it overwrites so <see cref="RollBack"/> can return to the version held. Returns true when every
    /// range of that version is in (the replica is then at it); false while ranges are missing or when
    /// the slice does not follow the version held (then ignored).
    /// </summary>
    public bool ApplySlice(WeightSlice slice)
    {
        if (slice.Dense.IsSparse || slice.RowValues.IsSparse || slice.Version != Version + 1 || Weights.Length == 0 || slice.DenseStart < 0 || slice.DenseStart + slice.Dense.Length > Weights.Length)
        {
            return false;
        }

        if (_incoming != slice.Version)
        {
            ForgetSlices();
            _incoming = slice.Version;
            if (_backup.Length != Weights.Length)
            {
                _backup = new float[Weights.Length];
            }
        }

        if (!_slicesIn.Add(slice.Range))
        {
            return false;
        }

        Save(slice.DenseStart, slice.Dense.Length);
        Write(slice.Dense.Span, Weights.AsSpan(slice.DenseStart, slice.Dense.Length), slice.Additive);
        var hidden = slice.Rows.Length == 0 ? 0 : slice.RowValues.Length / slice.Rows.Length;
        var values = slice.RowValues.Span;
        for (var i = 0; i < slice.Rows.Length; i++)
        {
            var start = slice.Rows[i] * hidden;
            if (start < 0 || start + hidden > slice.DenseStart)
            {
                continue; // not an embedding row: a malformed slice cannot corrupt the dense part
            }

            Save(start, hidden);
            Write(values.Slice(i * hidden, hidden), Weights.AsSpan(start, hidden), slice.Additive);
        }

        if (_slicesIn.Count < slice.Ranges)
        {
            return false;
        }

        Version = slice.Version;
        _incoming = -1;
        _slicesIn.Clear();
        return true;
    }

    /// <summary>
    /// Returns to <paramref name="version"/> when the replica moved past it by slices (a step that was
    /// abandoned): restores what the slices overwrote. True when the replica is at that version then.
    /// </summary>
    public bool RollBack(long version)
    {
        var from = _incoming >= 0 ? _incoming - 1 : Version - 1;
        if (_savedSpans.Count == 0 || from != version)
        {
            return Version == version && !Partial;
        }

        foreach (var (start, length) in _savedSpans)
        {
            _backup.AsSpan(start, length).CopyTo(Weights.AsSpan(start));
        }

        Version = version;
        ForgetSlices();
        return true;
    }

    /// <summary>Copies the values into <paramref name="target"/>, or adds them (an additive update: target + values, as the sender's mirror does).</summary>
    private static void Write(ReadOnlySpan<float> values, Span<float> target, bool additive)
    {
        if (additive)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(target, values, target);
        }
        else
        {
            values.CopyTo(target);
        }
    }

    /// <summary>
    /// Keeps the values at [start, start+length) unless this round already kept them (the oldest must
    /// survive). An empty span keeps nothing and claims no start: a key range without a dense part
    /// reports the dense start of the range after it, whose values must still be kept when they arrive.
    /// </summary>
    private void Save(int start, int length)
    {
        if (length <= 0 || !_savedStarts.Add(start))
        {
            return;
        }

        Weights.AsSpan(start, length).CopyTo(_backup.AsSpan(start));
        _savedSpans.Add((start, length));
    }

    private void ForgetSlices()
    {
        _incoming = -1;
        _slicesIn.Clear();
        _savedSpans.Clear();
        _savedStarts.Clear();
    }
}
