using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Tests;

public sealed class StepTimingsTests
{
    [Fact]
    public void A_steps_time_splits_into_parts_that_sum_to_it_and_reads_as_one_line()
    {
        var timings = new StepTimings(Steps: 200, StepMs: 41.2, ComputeMs: 19.0, SlowestComputeMs: 20.3, WorkerSerializeMs: 6.6, BarrierMs: 30, UpdateMs: 2.3, ServerSerializeMs: 3, MbDown: 21.8, MbUp: 21.5);

        var (compute, wait, communication, update) = timings.Split();

        Assert.Equal(41.2, compute + wait + communication + update, 9);
        Assert.Equal("41.2 ms (compute 19.0, wait 1.3, communication 18.6, update 2.3; 21.8 MB down, 21.5 MB up) over 200 steps", timings.Describe());
    }
}
