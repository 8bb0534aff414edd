namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Marker of every message that crosses the network. HOCON binds it to
/// <see cref="Serialization.ClusterMessageSerializer"/>; each implementation needs a manifest in
/// <see cref="Serialization.MessageRegistry"/> (a test reflects over this interface to enforce it).
/// </summary>
public interface IClusterMessage;
