using RnnCluster.Cli.Output;
using RnnCluster.Core.Classification;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster train --task classify</c>: trains a document classifier in this process.</summary>
public static class ClassifierTraining
{
    /// <exception cref="CorpusException">When the labelled files are malformed (the message names file and line).</exception>
    /// <exception cref="ArgumentException">When a flag is invalid (the message names it).</exception>
    /// <param name="resumed">The checkpoint a <c>--resume</c> continues from (null: a new run).</param>
    public static int Run(JobDefinition job, bool json, string? logDir, ResumePoint? resumed, CancellationToken cancel)
    {
        job.CheckOutputPaths();
        Core.Checkpoints.OutputPath.CheckDirectory(logDir, "--log-dir");
        JobDatasets.CheckInputPaths(job);
        Threads.Configure(job.Training.Threads);
        DocumentDataset data;
        try
        {
            data = DocumentDatasetLoader.Load(job.Corpus!, job.Valid, job.Test, job.DataSplit, job.MaxVocab, job.MinCount, job.Training.Seed);
        }
        catch (CorpusException e) when (resumed is not null)
        {
            throw resumed.DataUnreadable(e);
        }

        var spec = job.ToModelSpec(data.Vocabulary.Count, data.Labels.Count);
        var recorded = CheckpointData.Of(job, data);
        resumed?.Check(recorded);
        ClassifierTrainer? trainer = null;
        ITrainingObserver observer = new ClassifierView(json, () => trainer?.Validated);
        void Save(string path, object progress) => ModelFile.SaveClassifier(path, spec, data, trainer!.Weights, trainer.Loop.Optimizer.State, progress);
        BestModelKeeper? keeper = null;
        TrainCheckpointer? checkpointer = null;
        if (job.CheckpointDir is { } dir)
        {
            var absolute = job.WithAbsolutePaths(); // a run resumed from another directory finds the same files
            observer = checkpointer = new TrainCheckpointer(observer, dir, job.CheckpointEvery, (path, epoch) => TrainingCheckpoint.Write(path, absolute, recorded, trainer!.Snapshot(),
                ResumePoint.Fields(epoch?.ValidPerplexity, keeper?.Best, trainer!.Loop.EpochDone)));
        }

        if (job.KeepBest && job.Out is { } bestPath)
        {
            observer = keeper = new BestModelKeeper(observer, epoch => Save(bestPath,
                new { epoch = epoch.Epoch, step = trainer!.Loop.Step, valid_loss = Math.Log(epoch.ValidPerplexity), valid_accuracy = trainer.Validated?.Metrics.Accuracy, kept = "best", job = job.ToJson() }), resumed?.Best);
        }

        trainer = new ClassifierTrainer(spec, job.Training, data, observer);
        if (resumed is not null)
        {
            resumed.Apply(trainer.Resume);
            TrainingView.Message(json, "start", resumed.Describe(trainer.Loop));
        }

        TrainingView.Message(json, "start", $"{spec.Cell.Name()} {spec.Layers}x{spec.Hidden} classifier, vocabulary {data.Vocabulary.Count:N0}, {data.Labels.Count} classes, {trainer.Loop.Layout.Size:N0} parameters; "
            + $"{data.Train.Length:N0} training / {data.Valid.Length:N0} validation" + (data.Test is { } test ? $" / {test.Length:N0} test" : string.Empty) + " documents");
        TrainingView.Message(json, "start", TrainingSettings.Describe(job.Training, spec.Dropout, " documents", bptt: spec.Cell != Core.Models.CellType.Bow));
        var (summary, valid, testScores) = trainer.Run(cancel);
        if (keeper is not null)
        {
            TrainingView.Message(json, "note", keeper.Best is { } best
                ? $"--keep-best: {job.Out} holds epoch {best.Epoch}'s model (the lowest validation loss, {Math.Log(best.ValidPerplexity):F4}); the scores below are the last epoch's"
                : $"--keep-best: no epoch had a finite validation loss; {job.Out} was not written");
        }
        else if (job.Out is { } outPath)
        {
            Save(outPath, new { epoch = summary.Epochs, step = summary.Steps, valid_loss = valid.Loss, valid_accuracy = valid.Metrics.Accuracy, job = job.ToJson() });
        }

        if (checkpointer?.Note() is { } note)
        {
            TrainingView.Message(json, "note", note);
        }

        ClassificationPrinter.PrintSummary(summary, valid, testScores, data.Labels, json, keeper is { Best: null } ? null : job.Out);
        if (logDir is not null)
        {
            var (scores, which) = testScores is null ? (valid, "validation") : (testScores, "test");
            var scoresPath = Path.Combine(logDir, "scores.json");
            Core.Checkpoints.AtomicFile.Write(scoresPath, stream => System.Text.Json.JsonSerializer.Serialize(stream,
                new { labels = data.Labels, valid = ClassificationPrinter.Scores(valid, data.Labels), test = testScores is null ? null : ClassificationPrinter.Scores(testScores, data.Labels) },
                Core.Checkpoints.MetricsJson.SnakeCase));
            var plot = Path.Combine(logDir, "confusion.png");
            Monitoring.Plots.ConfusionMatrixPlot.Write(scores.Metrics.Confusion, data.Labels,
                $"{spec.Cell.Name()} classifier, {which} documents: accuracy {scores.Metrics.Accuracy:P1}, macro-F1 {scores.Metrics.MacroF1:F3}", plot);
            TrainingView.Message(json, "note", $"--log-dir: {Path.GetFullPath(scoresPath)} and {Path.GetFullPath(plot)} (the {which} documents' confusion matrix)");
        }

        return 0;
    }
}
