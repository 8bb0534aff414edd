using System.Globalization;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

/// <summary>An in-process cluster: one coordinator ActorSystem and worker ActorSystems on 127.0.0.1 free ports.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string Hocon = """
        akka.loglevel = WARNING
        rnncluster.step-timeout = 15s
        rnncluster.worker-wait-timeout = 60s
        """;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _hocon;

    private TestCluster(ClusterNode coordinator, ClusterClientConnection client, string hocon)
    {
        Coordinator = coordinator;
        Client = client;
        _hocon = hocon;
    }

    public ClusterNode Coordinator { get; }

    public List<ClusterNode> Workers { get; } = [];

    public ClusterClientConnection Client { get; }

    public string Contact => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Coordinator.Port}");

    /// <summary>A coordinator and <paramref name="workers"/> worker nodes, with <paramref name="hocon"/> (default <see cref="Hocon"/>).</summary>
    public static async Task<TestCluster> StartAsync(int workers, string hocon = Hocon)
    {
        var coordinator = await ClusterNode.StartAsync(new NodeOptions([NodeOptions.CoordinatorRole]), hocon);
        await WaitUntil(() => Akka.Cluster.Cluster.Get(coordinator.System).SelfMember.Status == Akka.Cluster.MemberStatus.Up, "coordinator up");
        var client = await ClusterClientConnection.ConnectAsync($"127.0.0.1:{coordinator.Port}", Timeout);
        var cluster = new TestCluster(coordinator, client, hocon);
        for (var i = 0; i < workers; i++)
        {
            await cluster.AddWorkerAsync();
        }

        return cluster;
    }

    /// <summary>Starts a worker node (on <paramref name="port"/>, 0: any) and waits until it is up.</summary>
    public async Task<ClusterNode> AddWorkerAsync(int port = 0, string? hocon = null)
    {
        var node = await ClusterNode.StartAsync(new NodeOptions([NodeOptions.WorkerRole], Port: port, Seeds: [Contact]), hocon ?? _hocon);
        Workers.Add(node);
        var expected = Workers.Count + 1;
        await WaitUntil(
            () => Akka.Cluster.Cluster.Get(Coordinator.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) >= expected,
            $"{expected} members up");
        return node;
    }

    public static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    public static JobDefinition SmallJob(float dropout = 0f, int workers = 0) => new()
    {
        Model = new ModelSpec(CellType.Lstm, 0, Layers: 2, Hidden: 32, Dropout: dropout),
        Training = new TrainingOptions { Batch = 6, Bptt = 10, LearningRate = 1f, Clip = 5f, Epochs = 1, Seed = 7 },
        BuiltinTrainTokens = 4_000,
        BuiltinValidTokens = 1_000,
        Workers = workers,
    };

    /// <summary>
    /// A 2-worker job large enough to come within 5% of the built-in corpus's optimal perplexity in 2
    /// epochs (hidden 48, batch 20, bptt 20, 100,000 training tokens): each mode's convergence check.
    /// </summary>
    public static JobDefinition ConvergenceJob() => SmallJob(workers: 2).WithModel(m => m with { Hidden = 48 })
        .WithTraining(t => t with { Batch = 20, Bptt = 20, Epochs = 2, DecayAfter = 1, Decay = 0.5f })
        with
    { BuiltinTrainTokens = 100_000, BuiltinValidTokens = 10_000 };

    /// <summary>
    /// Trains the small job without clipping single-process and on <paramref name="cluster"/>'s workers in
    /// the mode <paramref name="mode"/> sets, asserts the same perplexity, steps and tokens, and returns
    /// the cluster's final event with the job's Mode as <c>status</c> shows it. (Without clipping: the
    /// other modes clip each worker's gradient, sync mode their sum.)
    /// </summary>
    public static async Task<(JobCompleted Done, string StatusMode)> TrainLikeSyncAsync(TestCluster cluster, Func<JobDefinition, JobDefinition> mode)
    {
        var sync = SmallJob(workers: cluster.Workers.Count).WithTraining(t => t with { Clip = 0f });
        var expected = Reference.Train(sync);

        var id = await cluster.SubmitAsync(mode(sync));
        var events = await cluster.WatchAsync(id);

        var done = Assert.IsType<JobCompleted>(events[^1]);
        Reference.AssertSamePerplexity(expected.ValidPerplexity, done.Summary.ValidPerplexity);
        Assert.Equal(expected.Steps, done.Summary.Steps);
        Assert.Equal(expected.Tokens, done.Summary.Tokens);
        return (done, Assert.Single((await cluster.Client.GetStatusAsync(Timeout)).Jobs, j => j.Id == id).Mode);
    }

    /// <summary>Watches a job to its final event, calling <paramref name="onEvent"/> for each.</summary>
    public async Task<List<JobEvent>> WatchAsync(string jobId, Func<JobEvent, Task>? onEvent = null)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var events = new List<JobEvent>();
        await foreach (var e in Client.WatchAsync(jobId, cancel.Token))
        {
            events.Add(e);
            if (onEvent is not null)
            {
                await onEvent(e);
            }
        }

        return events;
    }

    public async Task<string> SubmitAsync(JobDefinition job)
    {
        var result = await Client.SubmitAsync(job, Timeout);
        Assert.True(result.Accepted, result.Reason);
        return result.JobId!;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        foreach (var w in Workers)
        {
            await w.DisposeAsync();
        }

        await Coordinator.DisposeAsync();
    }
}
