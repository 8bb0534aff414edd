using RnnCluster.Cluster.Security;

namespace RnnCluster.Cluster.Hosting;

/// <summary>
/// Why a node started with <c>--seeds</c> has not joined, found by <see cref="ContactProbe"/> (one TLS
/// handshake with each seed's remoting port): a TLS mismatch, another server on the port, nothing listening. Remoting alone cannot tell: a node without <c>--tls</c>
/// whose seeds speak TLS retries every 5 s until <c>--join-timeout</c>, while each seed logs a refused
/// connection.
/// </summary>
public static class JoinDiagnosis
{
    /// <summary>How long (seconds) a node waits to join before the first probe; most joins take 1–3 s, and a probe of a plain-TCP seed makes that seed log one refused connection.</summary>
    public static readonly TimeSpan FirstProbeAfter = TimeSpan.FromSeconds(4);

    /// <summary>Time (seconds) between later probes while the node has still not joined.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Completes with one line (naming <c>--seeds</c> and the seed) as soon as a probe finds that a seed
    /// will never let this node join: TLS keeps them apart (one speaks TLS and the other not, or their
    /// certificates come from different CAs), or the seed's port is no RnnCluster node's (another server answers there). Probes after <see cref="FirstProbeAfter"/>, then every <see cref="ProbeInterval"/>,
    /// while <paramref name="joined"/> is false; a seed where nothing listens yet is probed again later.
    /// Never completes while nothing is found; cancelled by <paramref name="cancel"/>.
    /// </summary>
    public static async Task<string> SeedRefusalAsync(NodeOptions options, Func<bool> joined, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(joined);
        await Task.Delay(FirstProbeAfter, cancel).ConfigureAwait(false);
        while (true)
        {
            if (!joined() && await DiagnoseSeedsAsync(options, cancel).ConfigureAwait(false) is { NothingListens: false } finding)
            {
                return finding.Reason;
            }

            await Task.Delay(ProbeInterval, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The first thing a probe finds wrong with the node's seeds, in their order: a TLS mismatch or a port
    /// that is no node's before a port where nothing listens; null when nothing is found (or there are no seeds). The reason starts
    /// with <c>--seeds</c> and the seed. Takes at most about 4 s per seed.
    /// </summary>
    public static async Task<ContactProbe.Finding?> DiagnoseSeedsAsync(NodeOptions options, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(options);
        ContactProbe.Finding? first = null;
        foreach (var seed in options.Seeds ?? [])
        {
            var (host, port) = ClusterAddresses.ParseContact(seed);
            if (await ContactProbe.DiagnoseAsync(host, port, options.Tls, cancel).ConfigureAwait(false) is { } finding)
            {
                var named = finding with { Reason = $"--seeds {seed}: {finding.Reason}" };
                if (!finding.NothingListens)
                {
                    return named;
                }

                first ??= named;
            }
        }

        return first;
    }
}
