using RnnCluster.Monitoring.Metrics;

namespace RnnCluster.Core.Tests.Monitoring;

public sealed class MetricsLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnncluster-metrics-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Records_round_trip_with_non_finite_perplexities_and_appends_across_opens()
    {
        var step = new MetricsRecord(MetricsRecord.StepKind, 1_796_000_000.25, Step: 3, Epoch: 1, Window: 3, Windows: 10, TrainPpl: double.PositiveInfinity,
            ComputeMs: 12.5, WaitMs: 1, UpdateMs: 2, CommunicationMs: 3, MbSent: 0.5, MbReceived: 0.25);
        var epoch = new MetricsRecord(MetricsRecord.EpochKind, 1_796_000_001, Epoch: 1, ValidPpl: double.NaN);
        using (var log = MetricsLog.Append(_directory))
        {
            log.Write(step);
        }

        using (var log = MetricsLog.Append(_directory))
        {
            log.Write(epoch);
        }

        var read = MetricsLog.Read(_directory);

        Assert.Equal([step, epoch], read);
        Assert.Equal(0.3, read[0].EpochPosition);
        Assert.Equal(1.0, read[1].EpochPosition);
        Assert.Contains("\"train_ppl\":\"Infinity\"", File.ReadAllText(Path.Combine(_directory, MetricsLog.FileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_that_are_no_record_are_skipped_and_named_and_an_append_after_a_cut_starts_a_fresh_line()
    {
        var path = Path.Combine(_directory, MetricsLog.FileName);
        File.WriteAllText(path, "{\"kind\":\"start\",\"time\":1}\n{\"time\":2}\n{\"kind\":\"end\",\"time\":3}\n{\"kind\":\"step\",\"time\":2,\"ste");

        var (records, damaged) = MetricsLog.ReadChecked(path);

        Assert.Equal(["start", "end"], records.Select(r => r.Kind));
        Assert.Equal([2, 4], damaged);

        using (var log = MetricsLog.Append(_directory))
        {
            log.Write(new MetricsRecord(MetricsRecord.StartKind, 5, Resumed: true));
        }

        (records, damaged) = MetricsLog.ReadChecked(path);
        Assert.Equal(["start", "end", "start"], records.Select(r => r.Kind));
        Assert.Equal([2, 4], damaged);
    }
}
