namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// A cluster of <c>rnncluster node</c> processes started by the test itself: one coordinator and
/// some workers on 127.0.0.1, each on a free port. Dispose stops them all (killing what lingers).
/// </summary>
internal sealed class NodeCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly List<CliProcess> _nodes = [];

    private NodeCluster()
    {
    }

    public CliProcess Coordinator => _nodes[0];

    public IReadOnlyList<CliProcess> Workers => _nodes.Skip(1).ToList();

    public string Contact { get; private set; } = string.Empty;

    public static async Task<NodeCluster> StartAsync(int workers)
    {
        var cluster = new NodeCluster();
        try
        {
            var port = await cluster.StartNodeAsync("--roles", "coordinator", "--port", "0", "--threads", "1", "--http-port", "0");
            cluster.Contact = $"127.0.0.1:{port}";
            for (var i = 0; i < workers; i++)
            {
                await cluster.AddWorkerAsync();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more worker node (also while a job runs) on <paramref name="port"/> (0: any free one); returns once it is up.</summary>
    public async Task<CliProcess> AddWorkerAsync(int port = 0)
    {
        await StartNodeAsync("--roles", "worker", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seeds", Contact, "--threads", "1");
        return _nodes[^1];
    }

    public ValueTask DisposeAsync() => new(StopAsync(_nodes));

    /// <summary>Stops node processes started with --exit-on-stdin-close: closes their input, waits up to 15 s each, kills what lingers.</summary>
    public static async Task StopAsync(IEnumerable<CliProcess> nodes)
    {
        foreach (var node in nodes.Where(n => !n.HasExited))
        {
            node.CloseInput();
        }

        foreach (var node in nodes)
        {
            try
            {
                await node.WaitForExitAsync(TimeSpan.FromSeconds(15));
            }
            catch (TimeoutException)
            {
                // WaitForExitAsync killed it.
            }

            node.Dispose();
        }
    }

    private async Task<int> StartNodeAsync(params string[] args)
    {
        var node = CliProcess.Start(["node", "--json", "--host", "127.0.0.1", "--exit-on-stdin-close", .. args]);
        _nodes.Add(node);
        var started = await node.WaitForEventAsync("node", _ => true, StartTimeout);
        return started.GetProperty("port").GetInt32();
    }
}
