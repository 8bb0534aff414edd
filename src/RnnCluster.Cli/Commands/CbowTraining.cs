using RnnCluster.Cli.Output;
using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster train --task cbow</c>: trains CBOW word embeddings in this process; <c>--out</c> gets the vectors in word2vec's text format.</summary>
public static class CbowTraining
{
    /// <exception cref="Core.Text.CorpusException">When a text file is missing, unreadable or has too few words (the message names it).</exception>
    /// <exception cref="ArgumentException">When a flag is invalid (the message names it).</exception>
    public static int Run(JobDefinition job, bool json, string? logDir, CancellationToken cancel)
    {
        if (job.CheckpointDir is not null || job.KeepBest || logDir is not null)
        {
            throw new ArgumentException($"{(job.CheckpointDir is not null ? "--checkpoint-dir" : job.KeepBest ? "--keep-best" : "--log-dir")} is not written for --task cbow yet; --out writes the final vectors");
        }

        job.CheckOutputPaths();
        JobDatasets.CheckInputPaths(job);
        Threads.Configure(job.Training.Threads);
        var data = CbowDataset.Load(job.Corpus!, job.Valid, job.MinCount);
        var spec = job.ToModelSpec(data.Vocabulary.Count);
        CbowTrainer? trainer = null;
        trainer = new CbowTrainer(spec, job.Cbow, job.Training, data, new CbowView(json, () => trainer?.Source.WordsProcessed ?? 0));
        var settings = job.Cbow;
        TrainingView.Message(json, "start", $"cbow, {spec.Hidden}-dimensional vectors, vocabulary {data.Vocabulary.Count:N0} (words seen {job.MinCount}+ times), {trainer.Loop.Layout.Size:N0} parameters; "
            + $"{data.Train.Words.Length:N0} training / {data.Valid.Words.Length:N0} validation words; window {settings.Window}, "
            + (settings.Negatives > 0 ? $"{settings.Negatives} negative samples" : "full softmax") + $", subsample {settings.Subsample:G3}");
        if (job.Out is null)
        {
            TrainingView.Message(json, "note", "no --out: the vectors will not be saved (give --out FILE for word2vec's text format)");
        }

        var summary = trainer.Run(cancel);
        var words = trainer.Source.WordsProcessed;
        if (job.Out is { } outPath)
        {
            new WordVectors(data.Vocabulary.Tokens, trainer.InputVectors.ToArray(), spec.Hidden).Write(outPath);
        }

        CbowPrinter.Print(summary, words, settings.Negatives, job.Out, json);
        return 0;
    }
}
