using System.CommandLine;
using RnnCluster.Cli.Output;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;
using RnnCluster.Monitoring.Metrics;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster train</c>: single-process training, no cluster.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var options = new JobOptions();
        var command = new Command("train", "Train a language model (or, with --task classify, a document classifier; with --task cbow, word embeddings) in this process (no cluster). With no --corpus it uses the built-in corpus.");
        options.AddTo(command);
        var logDir = new Option<string?>("--log-dir")
        {
            Description = "write the run's metrics.jsonl (every step and epoch) and its plots (perplexity.png, throughput.png, redrawn at each epoch end) into this directory",
        };
        command.Options.Add(logDir);
        var resume = new Option<string?>("--resume")
        {
            Description = "continue a run exactly from a checkpoint its --checkpoint-dir holds (epoch-NNN.rnnc or step-NNNNNNNN.rnnc): the same job (its files as recorded, absolute), the same final weights as a run never stopped; no job flag but --threads, --epochs, --max-steps and --checkpoint-dir may be given with it (--epochs N, --max-steps N: the run's new length, e.g. to train a finished run on from its last epoch-NNN.rnnc; --log-dir appends to the run's log); every task",
        };
        command.Options.Add(resume);
        command.SetAction((result, cancel) => CliError.Guard(() => Task.Run(() =>
        {
            var json = result.GetValue(options.Json);
            if (result.GetValue(resume) is not { } from)
            {
                return Run(options.BindWithBuiltinDefaults(result, checkpointsNeedDir: true), json, result.GetValue(logDir), null, cancel);
            }

            var (job, point) = ResumedJob.Of(result, options, from);
            return Run(job, json, result.GetValue(logDir), point, cancel);
        }, cancel)));
        return command;
    }

    private static int Run(JobDefinition job, bool json, string? logDir, ResumePoint? resumed, CancellationToken cancel)
    {
        if (job.Classify)
        {
            return ClassifierTraining.Run(job, json, logDir, resumed, cancel);
        }

        if (job.Embeddings)
        {
            return CbowTraining.Run(job, json, logDir, resumed, cancel);
        }

        job.CheckOutputPaths();
        OutputPath.CheckDirectory(logDir, "--log-dir");
        var view = new TrainingView(json);
        using var log = logDir is null ? null : OpenLog(logDir, view, append: resumed is not null);
        Threads.Configure(job.Training.Threads);
        TextDataset data;
        try
        {
            data = JobDatasets.Load(job);
        }
        catch (CorpusException e) when (resumed is not null)
        {
            throw resumed.DataUnreadable(e);
        }

        var spec = job.ToModelSpec(data.Vocabulary);
        resumed?.Check(CheckpointData.Of(job, data));
        Trainer? trainer = null;
        void Save(string path, object progress) => ModelFile.Save(path, spec, data, trainer!.Weights, trainer.Optimizer, progress);
        ITrainingObserver observer = view;
        BestModelKeeper? keeper = null;
        TrainCheckpointer? checkpointer = null;
        if (job.CheckpointDir is { } dir)
        {
            var recorded = job.WithAbsolutePaths(); // a run resumed from another directory finds the same files
            observer = checkpointer = new TrainCheckpointer(view, dir, job.CheckpointEvery, (path, epoch) => TrainingCheckpoint.Write(path, recorded, data, trainer!.Snapshot(),
                ResumePoint.Fields(epoch?.ValidPerplexity, keeper?.Best, trainer!.Loop.EpochDone)));
        }

        if (job.KeepBest && job.Out is { } bestPath)
        {
            observer = keeper = new BestModelKeeper(observer, epoch => Save(bestPath,
                new { epoch = epoch.Epoch, step = trainer!.Steps, valid_ppl = epoch.ValidPerplexity, kept = "best", job = job.ToJson() }), resumed?.Best);
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
        if (resumed is not null)
        {
            resumed.Apply(trainer.Resume);

            view.Info(resumed.Describe(trainer.Loop));
        }

        view.Info($"gemm backend: {Gemm.Describe()}"); // once the run's data and checkpoint are known good: a refused run prints its error alone
        GemmFallback.Warn();
        view.Info($"{spec.Cell.Name()} {spec.Layers}x{spec.Hidden}, vocabulary {data.Vocabulary.Count:N0}, {trainer.Loop.Layout.Size:N0} parameters{(spec.TieWeights ? " (embedding and softmax weights tied)" : string.Empty)}; "
            + $"{data.Train.Length:N0} training / {data.Valid.Length:N0} validation tokens" + (job.Corpus is null ? " (built-in corpus)" : string.Empty));
        view.Info(TrainingSettings.Describe(job.Training, spec.Dropout, string.Empty, bptt: true));
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
            view.Note($"--log-dir: {log.Path} and its plots");
        }

        if (checkpointer?.Note() is { } note)
        {
            view.Note(note);
        }

        if (keeper is not null)
        {
            view.Note(keeper.Best is { } best
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
    private static MetricsLog OpenLog(string logDir, TrainingView view, bool append)
    {
        var path = Path.Combine(logDir, MetricsLog.FileName);
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"--log-dir {logDir}: {path} is a directory; give a directory for the run's own metrics.jsonl");
        }

        try
        {
            if (!append && MetricsLog.MoveAside(logDir) is { } aside)
            {
                view.Info($"--log-dir: an earlier run's metrics.jsonl moved to {aside}");
            }

            return MetricsLog.Append(logDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--log-dir {logDir}: cannot write {path}: {Core.Checkpoints.FileSystemError.Describe(e, writing: true)}", e);
        }
    }
}
