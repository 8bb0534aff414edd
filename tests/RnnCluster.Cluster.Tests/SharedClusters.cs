using RnnCluster.Cluster.Protocol;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace RnnCluster.Cluster.Tests;

/// <summary>
/// The collection of test classes that only submit jobs and watch them to the end: they share one
/// in-process cluster per worker count (<see cref="SharedClusters"/>) instead of starting their own,
/// which is most of a small job's time. Tests that kill, add or partition nodes keep their own clusters.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedClustersCollection : ICollectionFixture<SharedClusters>
{
    public const string Name = "shared clusters";
}

/// <summary>
/// One in-process cluster at a time, of the worker count the test asks for: kept while tests ask for
/// that count and replaced when one asks for another, or when the cluster is not idle (a failed test
/// left a job running). Disposed after the collection's last test.
/// </summary>
public sealed class SharedClusters : IAsyncLifetime
{
    private TestCluster? _cluster;
    private int _workers;

    /// <summary>An idle cluster of <paramref name="workers"/> workers (the caller does not dispose it).</summary>
    internal async Task<TestCluster> WithWorkers(int workers)
    {
        if (_cluster is { } cluster && _workers == workers && await IsIdle(cluster))
        {
            return cluster;
        }

        await DisposeAsync();
        _cluster = await TestCluster.StartAsync(workers);
        _workers = workers;
        return _cluster;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is { } cluster)
        {
            _cluster = null;
            await cluster.DisposeAsync();
        }
    }

    private static async Task<bool> IsIdle(TestCluster cluster)
    {
        try
        {
            var status = await cluster.Client.GetStatusAsync(TestCluster.Timeout);
            return status.Jobs.All(j => j.State is JobStates.Completed or JobStates.Failed or JobStates.Cancelled)
                && status.Members.Count(m => m.Status == "Up") == cluster.Workers.Count + 1;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>
/// Orders a class's test cases by their <c>workers</c> argument (2 when they have none), so the shared
/// cluster is replaced as seldom as possible; ties by display name.
/// </summary>
public sealed class ByWorkerCount : ITestCaseOrderer
{
    public const string TypeName = "RnnCluster.Cluster.Tests.ByWorkerCount";

    public const string AssemblyName = "RnnCluster.Cluster.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase
        => testCases.OrderBy(t => WorkersOf(t)).ThenBy(t => t.DisplayName, StringComparer.Ordinal);

    private static int WorkersOf(ITestCase test)
    {
        var parameters = test.TestMethod.Method.GetParameters().Select(p => p.Name).ToList();
        var index = parameters.IndexOf("workers");
        return index >= 0 && test.TestMethodArguments is { } arguments && index < arguments.Length
            ? Convert.ToInt32(arguments[index], System.Globalization.CultureInfo.InvariantCulture)
            : 2;
    }
}
