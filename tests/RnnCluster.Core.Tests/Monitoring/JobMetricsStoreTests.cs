using RnnCluster.Monitoring.Metrics;

namespace RnnCluster.Core.Tests.Monitoring;

public sealed class JobMetricsStoreTests : IDisposable
{
    private readonly string _logDir = Directory.CreateTempSubdirectory("rnncluster-store-").FullName;

    public void Dispose() => Directory.Delete(_logDir, recursive: true);

    private static MetricsRecord Step(long step) => new(MetricsRecord.StepKind, step, Step: step, Epoch: 1, Window: (int)step, Windows: 1_000_000);

    [Fact]
    public void A_resumed_job_starts_from_its_log_and_a_fresh_one_from_nothing()
    {
        using (var log = MetricsLog.Append(JobMetricsRecorder.JobDirectory(_logDir, "job-1")))
        {
            log.Write(new MetricsRecord(MetricsRecord.StartKind, 0, Label: "lstm 2x8"));
            log.Write(Step(1));
            log.Write(Step(2));
        }

        var store = new JobMetricsStore(_logDir);
        store.Add("job-1", new MetricsRecord(MetricsRecord.StartKind, 10, Resumed: true));
        store.Add("job-1", Step(3));

        var (records, last) = store.After("job-1", 0)!.Value;
        Assert.Equal(5, last);
        Assert.Equal([null, 1L, 2L, null, 3L], records.Select(r => r.Record.Step));
        Assert.Equal([4L, 5L], store.After("job-1", 3)!.Value.Records.Select(r => r.Seq));

        store.Add("job-1", new MetricsRecord(MetricsRecord.StartKind, 20));
        Assert.Single(store.After("job-1", 0)!.Value.Records);
        Assert.Null(store.After("job-9", 0));
    }

    [Fact]
    public void Older_steps_are_thinned_past_the_bound_and_epochs_are_kept()
    {
        var store = new JobMetricsStore(null);
        store.Add("job-1", new MetricsRecord(MetricsRecord.StartKind, 0));
        for (var step = 1; step <= 3 * JobMetricsStore.MaxStepRecords; step++)
        {
            store.Add("job-1", Step(step));
            if (step % 1000 == 0)
            {
                store.Add("job-1", new MetricsRecord(MetricsRecord.EpochKind, step, Epoch: step / 1000));
            }
        }

        var records = store.After("job-1", 0)!.Value.Records;
        Assert.InRange(records.Count(r => r.Record.Kind == MetricsRecord.StepKind), JobMetricsStore.MaxStepRecords / 2, JobMetricsStore.MaxStepRecords);
        Assert.Equal(3 * JobMetricsStore.MaxStepRecords / 1000, records.Count(r => r.Record.Kind == MetricsRecord.EpochKind));
        Assert.Equal(3 * JobMetricsStore.MaxStepRecords, records[^1].Record.Step ?? records[^2].Record.Step);
        Assert.True(records.Zip(records.Skip(1)).All(pair => pair.First.Seq < pair.Second.Seq));
    }
}
