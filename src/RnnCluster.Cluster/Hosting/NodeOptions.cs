namespace RnnCluster.Cluster.Hosting;

/// <summary>
/// How to start one cluster node. <see cref="Roles"/> ⊆ {"coordinator", "worker"}; <see cref="Host"/>
/// is the address remoting binds to (0.0.0.0 in a container); <see cref="PublicHost"/> the name other
/// nodes reach this one by, which is also the host of its actor addresses (null: <see cref="Host"/>);
/// <see cref="Seeds"/> like "127.0.0.1:4053" (empty or null: this node seeds itself); <see cref="Port"/>
/// 0 picks a free port; <see cref="DataPort"/> is the port of the node's tensor data plane (bound on
/// <see cref="Host"/> as well; 0: a free one, which other nodes learn from its registration).
/// <see cref="JoinTimeoutSeconds"/>: a node that has not joined through its seeds by then stops.
/// </summary>
public sealed record NodeOptions(
    IReadOnlyList<string> Roles,
    string Host = "127.0.0.1",
    int Port = 0,
    IReadOnlyList<string>? Seeds = null,
    int WorkersPerNode = 1,
    int Threads = 1,
    string? CheckpointDir = null,
    string? PublicHost = null,
    int DataPort = 0,
    int JoinTimeoutSeconds = NodeOptions.DefaultJoinTimeoutSeconds)
{
    /// <summary>Seconds a node waits to join through its seeds before it stops (a coordinator seeding itself joins at once).</summary>
    public const int DefaultJoinTimeoutSeconds = 60;

    /// <summary>TLS with mutual authentication for remoting and the data plane (null: plain TCP).</summary>
    public Security.ClusterTls? Tls { get; init; }

    public const string CoordinatorRole = "coordinator";
    public const string WorkerRole = "worker";

    public bool IsCoordinator => Roles.Contains(CoordinatorRole);

    public bool IsWorker => Roles.Contains(WorkerRole);

    /// <summary>The host this node advertises: <see cref="PublicHost"/>, else <see cref="Host"/>.</summary>
    public string AdvertisedHost => string.IsNullOrWhiteSpace(PublicHost) ? Host : PublicHost;

    /// <summary>True for an address that binds every interface, which no other node can reach this one by.</summary>
    public static bool IsWildcard(string host) => host is "0.0.0.0" or "::" or "[::]";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (Roles.Count == 0 || Roles.Any(r => r is not (CoordinatorRole or WorkerRole)))
        {
            throw new ArgumentException($"roles [{string.Join(", ", Roles)}]: expected one or both of {CoordinatorRole}, {WorkerRole}");
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"--port {Port} is out of range (0..65535)");
        }

        if (DataPort is < 0 or > 65535)
        {
            throw new ArgumentException($"--data-port {DataPort} is out of range (0..65535)");
        }

        if (DataPort != 0 && DataPort == Port)
        {
            throw new ArgumentException($"--data-port {DataPort} is the remoting --port too; give the data plane a port of its own (or 0 for a free one)");
        }

        if (WorkersPerNode is < 1 or > 64)
        {
            throw new ArgumentException($"--workers-per-node {WorkersPerNode} is out of range (1..64)");
        }

        if (Threads is < 1 or > Core.Training.TrainingOptions.MaxThreads)
        {
            throw new ArgumentException($"--threads {Threads} is out of range (1..{Core.Training.TrainingOptions.MaxThreads})");
        }

        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("the bind host is empty");
        }

        if (IsWildcard(AdvertisedHost))
        {
            throw new ArgumentException($"{AdvertisedHost} is a wildcard address no other node can reach: give the name other nodes reach this one by as the public host");
        }

        if (JoinTimeoutSeconds is < 1 or > 86_400)
        {
            throw new ArgumentException($"--join-timeout {JoinTimeoutSeconds} must be between 1 and 86400 seconds");
        }

        foreach (var seed in Seeds ?? [])
        {
            _ = ClusterAddresses.ParseContact(seed);
        }

        if (!IsCoordinator && Seeds is not { Count: > 0 })
        {
            throw new ArgumentException("a worker-only node needs --seeds host:port of a coordinator to join (without it, it would form a cluster of its own)");
        }

        if (IsCoordinator)
        {
            Core.Checkpoints.OutputPath.CheckDirectory(CheckpointDir, "--checkpoint-dir");
        }
    }
}
