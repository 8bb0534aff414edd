// Every test starts several processes with Akka heartbeats; on a small machine running them side
// by side would make healthy nodes look dead, so the tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
