using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Parameter server → worker: compute the gradient of window <see cref="Window"/> for the worker's
/// streams. <see cref="Shard"/> is set when the worker's streams change (it then holds their token
/// ids); <see cref="Weights"/> brings the worker's replica to <see cref="WeightsVersion"/>
/// (null when it is there already). <see cref="StateH"/>/<see cref="StateC"/> are the streams' hidden
/// state as of the last completed step (layer-major: layer, local stream, unit).
/// </summary>
[MessagePackObject(true)]
public sealed record ComputeStep(
    string JobId,
    int Generation,
    long Step,
    int Window,
    float LossScale,
    ulong Seed,
    int Bptt,
    ShardAssignment? Shard,
    long WeightsVersion,
    WeightPatch? Weights,
    float[] StateH,
    float[] StateC) : IClusterMessage;

/// <summary>A worker's contiguous range of the B streams, with the model it trains and its token ids.</summary>
[MessagePackObject(true)]
public sealed record ShardAssignment(
    string Cell,
    int VocabSize,
    int Layers,
    int Hidden,
    float Dropout,
    float InitScale,
    float ForgetBias,
    int FirstStream,
    int StreamCount,
    int StreamLength,
    int[] Tokens);

/// <summary>
/// New weight values. <see cref="Full"/>: <see cref="Dense"/> is the whole vector. Otherwise
/// <see cref="Dense"/> is every tensor after the embedding and the embedding changed only in
/// <see cref="Rows"/> (values in <see cref="RowValues"/>, row after row).
/// </summary>
[MessagePackObject(true)]
public sealed record WeightPatch(bool Full, float[] Dense, int[] Rows, float[] RowValues);
