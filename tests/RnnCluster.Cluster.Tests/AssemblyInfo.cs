// Cluster tests start several ActorSystems each; running them one at a time keeps the 2-core
// machine's heartbeats healthy.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
