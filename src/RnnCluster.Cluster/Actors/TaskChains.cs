namespace RnnCluster.Cluster.Actors;

/// <summary>Work that runs off an actor's thread in the order it was asked for: each piece after the previous one.</summary>
internal static class TaskChains
{
    /// <summary>Runs <paramref name="work"/> on the thread pool once <paramref name="chain"/> has ended (however it ended); returns the longer chain.</summary>
    public static Task Then(this Task chain, Action work)
        => chain.ContinueWith(_ => work(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
}
