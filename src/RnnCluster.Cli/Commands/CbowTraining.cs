using RnnCluster.Cli.Output;
using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster train --task cbow</c>: trains CBOW word embeddings in this process; <c>--out</c> gets the vectors in word2vec's text format.</summary>
public static class CbowTraining
{
    /// <exception cref="Core.Text.CorpusException">When a text file is missing, unreadable or has too few words (the message names it).</exception>
    /// <exception cref="ArgumentException">When a flag is invalid (the message names it).</exception>
    /// <param name="resumed">The checkpoint a <c>--resume</c> continues from (null: a new run).</param>
    public static int Run(JobDefinition job, bool json, string? logDir, ResumePoint? resumed, CancellationToken cancel)
    {
        if (job.KeepBest || logDir is not null)
        {
            throw new ArgumentException($"{(job.KeepBest ? "--keep-best" : "--log-dir")} is not written for --task cbow yet; --out writes the final vectors, --checkpoint-dir each epoch's state");
        }

        job.CheckOutputPaths();
        JobDatasets.CheckInputPaths(job);
        Threads.Configure(job.Training.Threads);
        CbowDataset data;
        try
        {
            data = CbowDataset.Load(job.Corpus!, job.Valid, job.MinCount);
        }
        catch (Core.Text.CorpusException e) when (resumed is not null)
        {
            throw resumed.DataUnreadable(e);
        }

        var spec = job.ToModelSpec(data.Vocabulary.Count);
        var recorded = CheckpointData.Of(job, data);
        resumed?.Check(recorded);
        var (corpusWords, batch) = (data.Train.Words.Length, job.Training.Batch);
        CbowTrainer? trainer = null;
        ITrainingObserver observer = new CbowView(json, step => CbowGradient.WordsWalked(step, corpusWords, batch));
        TrainCheckpointer? checkpointer = null;
        if (job.CheckpointDir is { } dir)
        {
            var absolute = job.WithAbsolutePaths(); // a run resumed from another directory finds the same files
            observer = checkpointer = new TrainCheckpointer(observer, dir, job.CheckpointEvery, (path, epoch) => TrainingCheckpoint.Write(path, absolute, recorded, trainer!.Snapshot(),
                ResumePoint.Fields(epoch?.ValidPerplexity, null, trainer!.Loop.EpochDone)));
        }

        trainer = new CbowTrainer(spec, job.Cbow, job.Training, data, observer);
        if (resumed is not null)
        {
            resumed.Apply(trainer.Resume);
            TrainingView.Message(json, "start", resumed.Describe(trainer.Loop));
        }

        var settings = job.Cbow;
        TrainingView.Message(json, "start", $"cbow, {spec.Hidden}-dimensional vectors, vocabulary {data.Vocabulary.Count:N0} (words seen {job.MinCount}+ times), {trainer.Loop.Layout.Size:N0} parameters; "
            + $"{data.Train.Words.Length:N0} training / {data.Valid.Words.Length:N0} validation words; window {settings.Window}, "
            + (settings.Negatives > 0 ? $"{settings.Negatives} negative samples" : "full softmax") + $", subsample {settings.Subsample:G3}");
        TrainingView.Message(json, "start", TrainingSettings.Describe(job.Training, 0f, " positions", bptt: false));
        if (job.Out is null)
        {
            TrainingView.Message(json, "note", "no --out: the vectors will not be saved (give --out FILE for word2vec's text format)");
        }

        var summary = trainer.Run(cancel);
        var words = CbowGradient.WordsWalked(summary.Steps, corpusWords, batch);
        if (job.Out is { } outPath)
        {
            new WordVectors(data.Vocabulary.Tokens, trainer.InputVectors.ToArray(), spec.Hidden).Write(outPath);
        }

        if (checkpointer?.Note() is { } note)
        {
            TrainingView.Message(json, "note", note);
        }

        CbowPrinter.Print(summary, words, settings.Negatives, job.Out, json);
        return 0;
    }
}
