using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Parameter server → worker: compute the gradient of window <see cref="Window"/> for the worker's
/// streams with the weights of version <see cref="WeightsVersion"/> (which arrive separately, as a
/// <see cref="WeightUpdate"/>, unless the worker has them already). <see cref="Shard"/> is set when the
/// worker's streams change (it then holds their token ids). <see cref="StateH"/>/<see cref="StateC"/>
/// are the streams' hidden state as of the last completed step (layer-major: layer, local stream, unit).
/// <see cref="Placement"/> is set (once per generation) when the parameter server is sharded over the
/// workers: the worker then sends its gradient to the key ranges' owners instead.
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
    float[] StateH,
    float[] StateC,
    KeyRangePlacement? Placement = null) : IClusterMessage;

/// <summary>
/// A worker's contiguous range of the B streams, with the model it trains and its token ids: one node
/// of the summation tree, made of stream groups of <see cref="GroupSizes"/> streams each (summed by the
/// worker along the tree). <see cref="Deterministic"/> asks for single-threaded GEMMs.
/// </summary>
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
    int[] Tokens,
    int[] GroupSizes,
    bool Deterministic);
