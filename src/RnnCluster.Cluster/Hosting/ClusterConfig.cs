using System.Globalization;
using Akka.Actor;
using Akka.Configuration;

namespace RnnCluster.Cluster.Hosting;

/// <summary>
/// Loads the HOCON files of cluster-config/ (copied next to this assembly) and adds the node's own
/// values. RNNCLUSTER_CONFIG_DIR points elsewhere.
/// </summary>
public static class ClusterConfig
{
    public static readonly string[] NodeFiles = ["base.conf", "serialization.conf", "remote.conf", "cluster.conf", "transfer.conf"];

    public static readonly string[] ClientFiles = ["client.conf", "serialization.conf", "remote.conf"];

    public static string Directory
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("RNNCLUSTER_CONFIG_DIR");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return fromEnv;
            }

            var assemblyDir = Path.GetDirectoryName(typeof(ClusterConfig).Assembly.Location);
            var candidate = Path.Combine(string.IsNullOrEmpty(assemblyDir) ? AppContext.BaseDirectory : assemblyDir, "cluster-config");
            return System.IO.Directory.Exists(candidate) ? candidate : Path.Combine(AppContext.BaseDirectory, "cluster-config");
        }
    }

    public static Config Load(IEnumerable<string> files)
    {
        var dir = Directory;
        var config = Config.Empty;
        foreach (var file in files)
        {
            var path = Path.Combine(dir, file);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"cluster configuration file {path} is missing (set RNNCLUSTER_CONFIG_DIR)", path);
            }

            config = config.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(path)));
        }

        return config;
    }

    /// <summary>
    /// The seed nodes' addresses: each seed as written, then (for a name) as each IPv4 address it resolves
    /// to, since a node answers only as the address it advertises (<c>--seeds localhost:4053</c> reaches a
    /// coordinator advertised as 127.0.0.1:4053; Akka joins through whichever seed answers first). A seed
    /// that names this node itself is this node's own address alone, so that the first seed can found the cluster.
    /// </summary>
    private static IEnumerable<Address> SeedAddresses(NodeOptions options)
    {
        var tls = options.Tls is not null;
        var self = options.Port == 0 ? null : ClusterAddresses.NodeAddress(string.Create(CultureInfo.InvariantCulture, $"{options.AdvertisedHost}:{options.Port}"), tls);
        foreach (var seed in options.Seeds ?? [])
        {
            var given = ClusterAddresses.NodeAddress(seed, tls);
            var candidates = ClusterAddresses.CandidateAddresses(seed, tls);
            if (self is not null && candidates.Contains(self))
            {
                yield return self;
                continue;
            }

            yield return given;
            foreach (var resolved in candidates.Where(a => !a.Equals(given)))
            {
                yield return resolved;
            }
        }
    }

    public static Config ForNode(NodeOptions options, string? extraHocon = null)
    {
        var roles = string.Join(", ", options.Roles.Select(Quote));
        var seeds = string.Join(", ", SeedAddresses(options).Select(a => Quote(a.ToString())));
        var hocon = string.Create(CultureInfo.InvariantCulture, $$"""
            akka.remote.dot-netty.tcp.hostname = {{Quote(options.Host)}}
            akka.remote.dot-netty.tcp.public-hostname = {{Quote(options.AdvertisedHost)}}
            akka.remote.dot-netty.tcp.port = {{options.Port}}
            akka.cluster.roles = [{{roles}}]
            akka.cluster.seed-nodes = [{{seeds}}]
            akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = {{options.JoinTimeoutSeconds}}s
            """);
        var config = ConfigurationFactory.ParseString(hocon);
        if (options.Tls is not null)
        {
            config = ConfigurationFactory.ParseString(TlsHocon).WithFallback(config);
        }

        if (!string.IsNullOrWhiteSpace(extraHocon))
        {
            config = ConfigurationFactory.ParseString(extraHocon).WithFallback(config);
        }

        // Every node can read ClusterClient's messages (a worker has no receptionist, but a client given a
        // worker's port still sends it its contact requests): without the serializer they are warnings in
        // the worker's log; with it, dead letters the client's own check turns into one line for the user.
        return config.WithFallback(Load(NodeFiles)).WithFallback(Akka.Cluster.Tools.Client.ClusterClientReceptionist.DefaultConfig());
    }

    /// <param name="tls">True when the client speaks TLS (its certificate comes with the actor system's setup).</param>
    public static Config ForClient(string host, bool tls = false)
    {
        var hocon = $"""
            akka.remote.dot-netty.tcp.hostname = {Quote(host)}
            akka.remote.dot-netty.tcp.public-hostname = {Quote(host)}
            akka.remote.dot-netty.tcp.port = 0
            """;
        var config = ConfigurationFactory.ParseString(hocon);
        return (tls ? ConfigurationFactory.ParseString(TlsHocon).WithFallback(config) : config).WithFallback(Load(ClientFiles));
    }

    /// <summary>Remoting over TLS; the certificates and their check come with <see cref="Security.ClusterTls.RemotingSetup"/>.</summary>
    private const string TlsHocon = "akka.remote.dot-netty.tcp.enable-ssl = true";

    /// <summary>The actor system's setup: <paramref name="config"/>, and the TLS setup when <paramref name="tls"/> is given.</summary>
    public static Akka.Actor.Setup.ActorSystemSetup Setup(Config config, Security.ClusterTls? tls)
    {
        var bootstrap = Akka.Actor.BootstrapSetup.Create().WithConfig(config);
        return tls is null ? Akka.Actor.Setup.ActorSystemSetup.Create(bootstrap) : bootstrap.And(tls.RemotingSetup());
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
