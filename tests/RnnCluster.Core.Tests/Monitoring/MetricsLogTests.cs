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
    public void A_last_line_cut_short_is_skipped_and_any_other_bad_line_names_its_number()
    {
        var path = Path.Combine(_directory, MetricsLog.FileName);
        File.WriteAllText(path, "{\"kind\":\"start\",\"time\":1}\n{\"kind\":\"step\",\"time\":2,\"ste");

        Assert.Single(MetricsLog.Read(path));

        File.WriteAllText(path, "{\"kind\":\"start\",\"time\":1}\n{\"time\":2}\n{\"kind\":\"end\",\"time\":3}\n");
        var error = Assert.Throws<InvalidDataException>(() => MetricsLog.Read(path));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("kind", error.Message, StringComparison.Ordinal);
    }
}
