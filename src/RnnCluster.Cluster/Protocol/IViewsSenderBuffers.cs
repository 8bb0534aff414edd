namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// A message whose tensors are views of buffers the sender overwrites later (its live weights or
/// gradients). It is serialized when sent, so it never outlives those buffers: a receiver in the same
/// ActorSystem gets a copy decoded from the same bytes, never the sender's instance.
/// </summary>
public interface IViewsSenderBuffers;
