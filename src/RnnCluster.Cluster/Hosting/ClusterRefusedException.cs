namespace RnnCluster.Cluster.Hosting;

/// <summary>The cluster cannot take this client for a reason the message names in one line (TLS on one side only, certificates of another CA).</summary>
public sealed class ClusterRefusedException : Exception
{
    public ClusterRefusedException()
    {
    }

    public ClusterRefusedException(string message)
        : base(message)
    {
    }

    public ClusterRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
