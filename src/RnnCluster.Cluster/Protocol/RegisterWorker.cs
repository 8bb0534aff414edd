using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Worker → parameter server, repeated every second: "I am here". The id is the worker actor's full
/// address, which also fixes the order in which shards are cut and gradients summed.
/// <see cref="DataEndpoint"/> is the "host:port" of the worker node's data plane (empty: none), where
/// tensors for it are sent.
/// </summary>
[MessagePackObject(true)]
public sealed record RegisterWorker(string WorkerId, string DataEndpoint = "") : IClusterMessage;

/// <summary>Parameter server → worker: forget the job (it ended or the worker was dropped from it).</summary>
[MessagePackObject(true)]
public sealed record ReleaseJob(string JobId) : IClusterMessage;
