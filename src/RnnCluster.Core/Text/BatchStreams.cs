namespace RnnCluster.Core.Text;

/// <summary>
/// The classic PTB batching: a token sequence cut into <see cref="Batch"/> contiguous streams of
/// <see cref="StreamLength"/> tokens (the remainder is dropped), read in windows of bptt steps. Window
/// w predicts tokens w·bptt+1 … of every stream from the ones before them, so consecutive windows
/// share one token and the hidden state carries over between them.
/// </summary>
public sealed class BatchStreams
{
    // Stream b is _tokens[(_first+b)*StreamLength .. (_first+b+1)*StreamLength).
    private readonly int[] _tokens;
    private readonly int _first;

    /// <summary>
    /// Cuts <paramref name="ids"/> into streams; the array is referenced, not copied. Streams shorter
    /// than 2 tokens are allowed but have no windows: check <see cref="StreamLength"/> or use
    /// <see cref="TextDatasetLoader.RequireTokens"/> first.
    /// </summary>
    public BatchStreams(int[] ids, int batch)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        _tokens = ids;
        Batch = batch;
        StreamLength = ids.Length / batch;
    }

    private BatchStreams(int[] tokens, int first, int batch, int length)
    {
        _tokens = tokens;
        _first = first;
        Batch = batch;
        StreamLength = length;
    }

    /// <summary>
    /// Streams given one by one, e.g. the share of a cluster worker: local stream j of the result is
    /// <c>streams[j]</c>, so windows are filled with local stream indices.
    /// </summary>
    public static BatchStreams FromStreams(int[][] streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        if (streams.Length == 0)
        {
            throw new ArgumentException("at least one stream is needed", nameof(streams));
        }

        var length = streams[0].Length;
        var tokens = new int[streams.Length * length];
        for (var b = 0; b < streams.Length; b++)
        {
            if (streams[b].Length != length)
            {
                throw new ArgumentException(
                    $"stream {b} has {streams[b].Length} tokens but stream 0 has {length}; all streams must be equally long",
                    nameof(streams));
            }

            streams[b].CopyTo(tokens, b * length);
        }

        return new BatchStreams(tokens, 0, streams.Length, length);
    }

    public int Batch { get; }

    /// <summary>
    /// Streams <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1 as
    /// streams 0 … count − 1 of a view sharing this instance's token array (nothing is copied).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When the range is empty or exceeds the streams.</exception>
    public BatchStreams Slice(int first, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (first + count > Batch)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"streams {first}..{first + count - 1} exceed the {Batch} streams");
        }

        return new BatchStreams(_tokens, _first + first, count, StreamLength);
    }

    public int StreamLength { get; }

    // Every token of a stream but the first is a target once per epoch.
    private int PredictedPerStream => Math.Max(0, StreamLength - 1);

    public ReadOnlySpan<int> Stream(int b)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(b, Batch);
        return _tokens.AsSpan((_first + b) * StreamLength, StreamLength);
    }

    /// <summary>Windows per epoch: ⌈(L − 1) / bptt⌉; the last one may be shorter.</summary>
    public int WindowCount(int bptt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bptt, 1);
        return PredictedPerStream == 0 ? 0 : ((PredictedPerStream - 1) / bptt) + 1;
    }

    /// <summary>Time steps of window <paramref name="window"/>: bptt, or fewer for the last window.</summary>
    public int WindowSteps(int window, int bptt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(window, WindowCount(bptt));
        return Math.Min(bptt, PredictedPerStream - (window * bptt));
    }

    /// <summary>Tokens predicted in one epoch: every token of every stream except its first.</summary>
    public int TokensPerEpoch(int bptt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bptt, 1);
        return PredictedPerStream * Batch;
    }

    /// <summary>Tokens predicted by the first <paramref name="windows"/> windows of an epoch (all streams).</summary>
    public long TokensInWindows(int windows, int bptt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bptt, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(windows);
        return (long)Math.Min((long)windows * bptt, PredictedPerStream) * Batch;
    }

    /// <summary>
    /// Fills one window for streams <paramref name="firstStream"/> … <paramref name="firstStream"/> +
    /// <paramref name="streamCount"/> − 1, time-major: element <c>t·streamCount + j</c> is step t of the
    /// j-th of those streams, and its target is the token that follows it.
    /// </summary>
    public void FillWindow(int window, int bptt, int firstStream, int streamCount, Span<int> inputs, Span<int> targets)
    {
        var steps = WindowSteps(window, bptt);
        ArgumentOutOfRangeException.ThrowIfNegative(firstStream);
        ArgumentOutOfRangeException.ThrowIfLessThan(streamCount, 1);
        if (firstStream + streamCount > Batch)
        {
            throw new ArgumentOutOfRangeException(
                nameof(streamCount), $"streams {firstStream}..{firstStream + streamCount - 1} exceed the {Batch} streams");
        }

        var size = steps * streamCount;
        if (inputs.Length != size || targets.Length != size)
        {
            throw new ArgumentException(
                $"window {window} has {steps} steps × {streamCount} streams = {size} positions, " +
                $"but inputs has {inputs.Length} and targets {targets.Length}");
        }

        var start = window * bptt;
        for (var j = 0; j < streamCount; j++)
        {
            var stream = _tokens.AsSpan(((_first + firstStream + j) * StreamLength) + start, steps + 1);
            for (var t = 0; t < steps; t++)
            {
                inputs[(t * streamCount) + j] = stream[t];
                targets[(t * streamCount) + j] = stream[t + 1];
            }
        }
    }
}
