using RnnCluster.Core.Classification;
using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Tests.Classification;
using RnnCluster.Core.Tests.Embeddings;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

/// <summary>
/// A classifier's and CBOW's run stopped mid-epoch or at an epoch's end, written to a checkpoint file,
/// read back and resumed, ends with the weights of the run that never stopped, bit for bit.
/// </summary>
public sealed class TaskResumeTests
{
    [Theory]
    [InlineData(false)] // mid-epoch
    [InlineData(true)]  // at the end of epoch 2
    public void A_classifier_resumes_bit_for_bit(bool atEpochEnd)
    {
        var data = ClassificationTestData.Dataset(300, 3, 4);
        var job = JobDefinition.ClassifyDefaults with
        {
            Model = JobDefinition.ClassifyDefaults.Model with { Hidden = 12, Dropout = 0.3f },
            Training = JobDefinition.ClassifyDefaults.Training with { Batch = 24, Epochs = 3, DecayAfter = 1, Threads = 1 },
        };
        var spec = job.ToModelSpec(data.Vocabulary.Count, data.Labels.Count);
        var whole = new ClassifierTrainer(spec, job.Training, data).Run().Summary;
        var windows = DocumentBatchGradient.Windows(data.Train.Length, job.Training.Batch);
        var stopAfter = atEpochEnd ? 2 * windows : windows + 3;

        var first = new ClassifierTrainer(spec, job.Training with { MaxSteps = stopAfter }, data);
        first.Run();
        var snapshot = RoundTrip(job, CheckpointData.Of(job, data), first.Snapshot(), out var valid);
        var resumed = new ClassifierTrainer(spec, job.Training, data);
        resumed.Resume(snapshot, valid);

        Assert.Equal(whole.WeightsSha256, resumed.Run().Summary.WeightsSha256);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(12)]
    public void Cbow_resumes_bit_for_bit(int stopAfter)
    {
        var data = CbowTestData.Dataset(600, 60);
        var job = JobDefinition.CbowDefaults with
        {
            MinCount = 1,
            Subsample = 0.05,
            Model = JobDefinition.CbowDefaults.Model with { Hidden = 8 },
            Training = JobDefinition.CbowDefaults.Training with { Batch = 400, LearningRate = 2f, Epochs = 2, Threads = 1 },
        };
        var spec = job.ToModelSpec(data.Vocabulary.Count);
        var whole = new CbowTrainer(spec, job.Cbow, job.Training, data).Run();
        Assert.True(CbowGradient.Windows(data.Train.Words.Length, job.Training.Batch) > stopAfter / 2, "the stops fall in the first and second epochs");

        var first = new CbowTrainer(spec, job.Cbow, job.Training with { MaxSteps = stopAfter }, data);
        first.Run();
        var snapshot = RoundTrip(job, CheckpointData.Of(job, data), first.Snapshot(), out var valid);
        var resumed = new CbowTrainer(spec, job.Cbow, job.Training, data);
        resumed.Resume(snapshot, valid);

        Assert.Equal(whole.WeightsSha256, resumed.Run().WeightsSha256);
    }

    /// <summary>Writes <paramref name="snapshot"/> as a checkpoint file and reads it back (no stream state: these models carry none).</summary>
    private static TrainingSnapshot RoundTrip(JobDefinition job, CheckpointData data, TrainingSnapshot snapshot, out double? endedEpochValid)
    {
        using var directory = new TempDirectory();
        var path = directory.File("run.rnnc");
        TrainingCheckpoint.Write(path, job, data, snapshot);
        var (read, back, checkpoint, _) = TrainingCheckpoint.Read(path);
        Assert.Equal(job.Task, read.Task);
        Assert.True(data.Matches(checkpoint));
        Assert.Empty(back.StateH);
        endedEpochValid = null; // --decay-after schedules do not need it
        return back;
    }
}
