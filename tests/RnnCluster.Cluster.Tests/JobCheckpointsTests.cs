using RnnCluster.Cluster.Actors;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

public sealed class JobCheckpointsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnncluster-jobck-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    [InlineData(1234.5)]
    public void A_diverged_runs_state_is_saved_and_read_back(double epochLoss)
    {
        var job = new JobDefinition { BuiltinTrainTokens = 2_000, BuiltinValidTokens = 500 };
        var data = BuiltInCorpus.Dataset(2_000, 500);
        var spec = job.ToModelSpec(data.Vocabulary.Count);
        var weights = new float[Core.Models.ParameterLayout.For(spec).Size];
        var state = new float[job.Training.Batch * spec.Hidden];
        var snapshot = new TrainingSnapshot(1, 3, 3, epochLoss, 1200, 1200, double.PositiveInfinity, weights,
            new Dictionary<string, float[]>(), [.. Enumerable.Range(0, spec.Layers).Select(_ => state)], [.. Enumerable.Range(0, spec.Layers).Select(_ => state)]);
        var path = JobCheckpoints.PathFor(_dir, "job-1");

        JobCheckpoints.Write(path, "job-1", job, CheckpointData.Of(job, data), snapshot, new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc));
        var (_, id, _, read, _, started) = JobCheckpoints.Read(path);

        Assert.Equal("job-1", id);
        Assert.Equal(epochLoss, read.EpochLoss);
        Assert.Equal(double.PositiveInfinity, read.TrainSeconds);
        Assert.Equal(new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc), started);
    }
}
