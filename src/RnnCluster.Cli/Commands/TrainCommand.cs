using System.CommandLine;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Training;
using RnnCluster.Monitoring.Metrics;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster train</c>: single-process training, no cluster.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var options = new JobOptions();
        var command = new Command("train", "Train a language model (or, with --task classify, a document classifier) in this process (no cluster). With no --corpus it uses the built-in corpus.");
        options.AddTo(command);
        var logDir = new Option<string?>("--log-dir")
        {
            Description = "write the run's metrics.jsonl (every step and epoch) and its plots (perplexity.png, throughput.png, redrawn at each epoch end) into this directory",
        };
        command.Options.Add(logDir);
        command.SetAction((result, cancel) => CliError.Guard(() => Task.Run(
            () => Run(options.BindWithBuiltinDefaults(result), result.GetValue(options.Json), result.GetValue(logDir), cancel), cancel)));
        return command;
    }

    private static int Run(JobDefinition job, bool json, string? logDir, CancellationToken cancel)
    {
        if (job.Classify)
        {
            return ClassifierTraining.Run(job, json, logDir, cancel);
        }

        job.CheckOutputPaths();
        OutputPath.CheckDirectory(logDir, "--log-dir");
        var view = new TrainingView(json);
        using var log = logDir is null ? null : OpenLog(logDir, view);
        Threads.Configure(job.Training.Threads);
        view.Info($"gemm backend: {Gemm.Describe()}");
        var data = JobDatasets.Load(job);
        var spec = job.ToModelSpec(data.Vocabulary.Count);
        Trainer? trainer = null;
        void Save(string path, object progress) => ModelFile.Save(path, spec, data, trainer!.Weights, trainer.Optimizer, progress);
        ITrainingObserver observer = view;
        if (job.CheckpointDir is { } dir)
        {
            observer = new EpochCheckpointer(view, dir, (path, epoch) => Save(path,
                new { epoch = epoch.Epoch, step = trainer!.Steps, valid_ppl = epoch.ValidPerplexity, lr = epoch.LearningRate, job = job.ToJson() }));
        }

        BestModelKeeper? keeper = null;
        if (job.KeepBest && job.Out is { } bestPath)
        {
            observer = keeper = new BestModelKeeper(observer, epoch => Save(bestPath,
                new { epoch = epoch.Epoch, step = trainer!.Steps, valid_ppl = epoch.ValidPerplexity, kept = "best", job = job.ToJson() }));
        }

        var label = $"{spec.Cell.Name()} {spec.Layers}x{spec.Hidden}";
        TrainingMetricsRecorder? recorder = null;
        if (log is not null)
        {
            observer = recorder = new TrainingMetricsRecorder(observer, log, label, JobDatasets.OptimalPerplexity(job),
                warning => Console.Error.WriteLine($"rnncluster: warning: {warning}"));
            recorder.Start();
        }

        trainer = new Trainer(spec, job.Training, data, observer);
        view.Info($"{spec.Cell.Name()} {spec.Layers}x{spec.Hidden}, vocabulary {data.Vocabulary.Count:N0}, {trainer.Loop.Layout.Size:N0} parameters; "
            + $"{data.Train.Length:N0} training / {data.Valid.Length:N0} validation tokens" + (job.Corpus is null ? " (built-in corpus)" : string.Empty));
        var plan = trainer.Plan;
        view.Info($"compute: {plan.Groups} stream group(s), {plan.ParallelGroups} at a time, {plan.GemmThreads} GEMM thread(s) each"
            + (job.Training.Deterministic ? "; deterministic" : string.Empty));
        TrainingSummary summary;
        try
        {
            summary = view.Run("training", () => trainer.Run(cancel));
        }
        catch (OperationCanceledException)
        {
            recorder?.Finish("cancelled");
            throw;
        }
        catch (Exception)
        {
            recorder?.Finish("failed");
            throw;
        }

        recorder?.Finish("completed");
        if (log is not null)
        {
            view.Info($"--log-dir: {log.Path} and its plots");
        }

        if (keeper is not null)
        {
            view.Info(keeper.Best is { } best
                ? $"--keep-best: {job.Out} holds epoch {best.Epoch}'s model (validation perplexity {best.ValidPerplexity:F2})"
                : $"--keep-best: no epoch had a finite validation perplexity; {job.Out} was not written");
        }
        else if (job.Out is { } outPath)
        {
            Save(outPath, new { epoch = summary.Epochs, step = summary.Steps, valid_ppl = summary.ValidPerplexity, job = job.ToJson() });
        }

        SummaryPrinter.Print(summary, json, JobDatasets.OptimalPerplexity(job), keeper is { Best: null } ? null : job.Out);
        return 0;
    }

    /// <summary>A fresh metrics log in <paramref name="logDir"/>, an earlier run's moved aside.</summary>
    /// <exception cref="ArgumentException">Naming --log-dir, when the log cannot be written there.</exception>
    private static MetricsLog OpenLog(string logDir, TrainingView view)
    {
        var path = Path.Combine(logDir, MetricsLog.FileName);
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"--log-dir {logDir}: {path} is a directory; give a directory for the run's own metrics.jsonl");
        }

        try
        {
            if (MetricsLog.MoveAside(logDir) is { } aside)
            {
                view.Info($"--log-dir: an earlier run's metrics.jsonl moved to {aside}");
            }

            return MetricsLog.Append(logDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--log-dir {logDir}: cannot write {path}: {e.Message}", e);
        }
    }
}
