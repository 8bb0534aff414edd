using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Tests;

/// <summary>The records of accepted jobs: an ended job's record keeps its final status, which a restarted supervisor lists.</summary>
public sealed class AcceptedJobsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnncluster-accepted-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_ended_record_keeps_its_final_status_with_non_finite_figures()
    {
        AcceptedJobs.Write(_dir, "job-2", """{"epochs": 1}""", null);
        AcceptedJobs.Write(_dir, "job-1", """{"epochs": 1}""", null);
        var failed = new JobStatus("job-2", JobStates.Failed, 1, 7, 123.5, double.PositiveInfinity, double.NaN, 2, "diverged at step 7",
            Timings: new StepTimings(7, 10, 5, 6, 1, 9, 2, 1, 3.5, 3.5, 1.75, 1.75));
        var completed = new JobStatus("job-1", JobStates.Completed, 3, 30, 1000, 40, 42.5, 2, null);

        AcceptedJobs.MarkEnded(_dir, "job-2", JobStates.Failed, failed);
        AcceptedJobs.MarkEnded(_dir, "job-1", JobStates.Completed, completed);

        Assert.Equal(["job-1.completed.json", "job-2.failed.json"], Directory.GetFiles(_dir).Select(p => Path.GetFileName(p)).Order().ToArray());
        var ended = AcceptedJobs.Ended(_dir);
        Assert.Equal(["job-1", "job-2"], ended.Select(s => s.Id).ToArray());
        Assert.Equal(completed, ended[0]);
        Assert.Equal(failed with { Timings = null }, ended[1] with { Timings = null });
        Assert.Equal(failed.Timings, ended[1].Timings);
        Assert.Empty(AcceptedJobs.Unstarted(_dir, out _));
        Assert.Equal(2, AcceptedJobs.HighestJobNumber(_dir));
        Assert.Contains("\"train_ppl\": \"Infinity\"", File.ReadAllText(Path.Combine(_dir, "job-2.failed.json")), StringComparison.Ordinal); // snake_case, as the rest of the record
    }

    [Fact]
    public void A_record_without_a_final_status_still_ends_and_is_not_listed()
    {
        AcceptedJobs.Write(_dir, "job-1", """{"epochs": 1}""", null);
        File.WriteAllText(Path.Combine(_dir, "job-3.completed.json"), "{ not json");

        AcceptedJobs.MarkEnded(_dir, "job-1", JobStates.Cancelled);

        Assert.True(File.Exists(Path.Combine(_dir, "job-1.cancelled.json")));
        Assert.Empty(AcceptedJobs.Ended(_dir));
        Assert.Equal(3, AcceptedJobs.HighestJobNumber(_dir));
    }
}
