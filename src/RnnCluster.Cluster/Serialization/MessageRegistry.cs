using System.Collections.Frozen;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Serialization;

/// <summary>
/// The short string manifest of every <see cref="IClusterMessage"/>. Manifests are part of the wire
/// format: never reuse or rename one. Data-less messages map to their singleton instance.
/// </summary>
public static class MessageRegistry
{
    private static readonly (Type Type, string Manifest)[] Entries =
    [
        (typeof(SubmitJob), "sj"),
        (typeof(JobAccepted), "ja"),
        (typeof(JobRejected), "jr"),
        (typeof(GetStatus), "gs"),
        (typeof(ClusterStatus), "cs"),
        (typeof(WatchJob), "wj"),
        (typeof(CancelJob), "cj"),
        (typeof(CancelResult), "cr"),
        (typeof(JobProgress), "ep"),
        (typeof(JobEpoch), "ee"),
        (typeof(JobCompleted), "ec"),
        (typeof(JobFailed), "ef"),
        (typeof(JobCancelled), "ex"),
        (typeof(JobMemberEvent), "em"),
        (typeof(JobEndedEarlier), "eo"),
        (typeof(RegisterWorker), "rw"),
        (typeof(ReleaseJob), "rl"),
        (typeof(ComputeStep), "st"),
        (typeof(WeightUpdate), "wu"),
        (typeof(GradientResult), "gr"),
        (typeof(StepRefused), "sr"),
        (typeof(Chunk), "ch"),
        (typeof(ChunkAck), "ca"),
        (typeof(Ping), "pi"),
        (typeof(Pong), "po"),
        (typeof(TensorBlock), "tb"),
        (typeof(GradientSlice), "gsl"),
        (typeof(RangeSquares), "rq"),
        (typeof(WeightSlice), "ws"),
        (typeof(WeightsReady), "wr"),
        (typeof(SendWeights), "sw"),
        (typeof(GetNodeStats), "gn"),
        (typeof(NodeStats), "ns"),
        (typeof(CheckpointReplica), "cpr"),
        (typeof(JobStateChanged), "jsc"),
    ];

    private static readonly FrozenDictionary<Type, string> ByType = Entries.ToFrozenDictionary(e => e.Type, e => e.Manifest);

    private static readonly FrozenDictionary<string, Type> ByManifest = Entries.ToFrozenDictionary(e => e.Manifest, e => e.Type, StringComparer.Ordinal);

    private static readonly FrozenDictionary<Type, object> Singletons = new Dictionary<Type, object>
    {
        [typeof(GetStatus)] = GetStatus.Instance,
        [typeof(GetNodeStats)] = GetNodeStats.Instance,
    }.ToFrozenDictionary();

    public static IEnumerable<Type> Types => ByType.Keys;

    public static bool TryGetManifest(Type type, out string manifest) => ByType.TryGetValue(type, out manifest!);

    public static bool TryGetType(string manifest, out Type type) => ByManifest.TryGetValue(manifest, out type!);

    public static bool TryGetSingleton(Type type, out object instance) => Singletons.TryGetValue(type, out instance!);
}
