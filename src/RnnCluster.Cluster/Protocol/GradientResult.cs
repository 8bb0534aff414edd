using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Worker → parameter server: a shard's gradient of one step. <see cref="Dense"/> holds every tensor
/// after the embedding; the embedding gradient is sparse: the rows the window touched
/// (<see cref="Rows"/>, values in <see cref="RowValues"/>). The streams' hidden state after the window
/// comes back too, so the server can hand the streams to another worker at the same cursor.
/// <see cref="ComputeMs"/> is the worker's time to patch its weights and compute the gradient;
/// <see cref="SerializeMs"/> its time decoding this step's messages and encoding its previous
/// gradient (its own encoding is only known after it is sent); <see cref="PeakRssMb"/> the worker
/// process's peak resident memory so far. <see cref="BytesSent"/>/<see cref="BytesReceived"/> are the
/// bytes the worker's node sent and received since its previous result (in steady state: one step's).
/// <see cref="UpdateMs"/>: with a sharded parameter server, the worker's time summing, clipping and
/// applying its key range since its previous result (in steady state: one step's).
/// With a sharded parameter server (<see cref="ComputeStep.Placement"/>) <see cref="Dense"/>,
/// <see cref="Rows"/> and <see cref="RowValues"/> are empty: the gradient went to the key ranges.
/// After a local-SGD round (<see cref="ComputeStep.Local"/>) they hold the worker's weights instead of
/// a gradient: every tensor after the embedding, and the embedding rows the round's windows touched
/// (the others are as the round started); <see cref="LossSum"/> and <see cref="Tokens"/> cover every
/// window of the round.
/// </summary>
[MessagePackObject(true)]
public sealed record GradientResult(
    string JobId,
    int Generation,
    long Step,
    string WorkerId,
    double LossSum,
    int Tokens,
    WireFloats Dense,
    int[] Rows,
    WireFloats RowValues,
    float[] StateH,
    float[] StateC,
    double ComputeMs,
    double SerializeMs,
    double PeakRssMb,
    long BytesSent = 0,
    long BytesReceived = 0,
    double UpdateMs = 0) : IClusterMessage, IViewsSenderBuffers;

/// <summary>Worker → parameter server: cannot compute the step (e.g. its weights replica is stale): resend in full.</summary>
[MessagePackObject(true)]
public sealed record StepRefused(string JobId, int Generation, long Step, string WorkerId, string Reason) : IClusterMessage;
