using RnnCluster.Core.Text;

namespace RnnCluster.Core.Training;

/// <summary>The data of a job: its corpus files, or the built-in corpus when none is given.</summary>
public static class JobDatasets
{
    /// <summary>Loads and checks the job's text; throws <see cref="CorpusException"/> naming what is wrong.</summary>
    public static TextDataset Load(JobDefinition job)
    {
        CheckInputPaths(job);
        var data = job.Corpus is null
            ? BuiltInCorpus.Dataset(job.BuiltinTrainTokens, job.BuiltinValidTokens, job.Training.Seed)
            : TextDatasetLoader.Load(job.Corpus, job.Valid, job.Test, TokenizerKinds.Parse(job.Tokens), job.MaxVocab, job.MinCount);
        TextDatasetLoader.RequireTokens(data.Train, job.Training.Batch, job.Training.Bptt, "train");
        if (data.Valid.Length < 2)
        {
            throw new CorpusException($"the validation set has {data.Valid.Length} tokens; it needs at least 2");
        }

        if (data.Test is { Length: < 2 } test)
        {
            throw new CorpusException($"the test set has {test.Length} tokens; it needs at least 2");
        }

        return data;
    }

    /// <summary>Checks that the corpus, validation and test paths the job gives exist (a corpus may be a directory).</summary>
    /// <exception cref="CorpusException">Naming the flag of a missing path.</exception>
    public static void CheckInputPaths(JobDefinition job)
    {
        ArgumentNullException.ThrowIfNull(job);
        RequireExists(job.Corpus, "corpus", directoryAllowed: true);
        RequireExists(job.Valid, "valid", directoryAllowed: false);
        RequireExists(job.Test, "test", directoryAllowed: false);
    }

    /// <summary>A path the job names must exist before anything is read, and the error names its flag (a job file's field has the flag's name).</summary>
    private static void RequireExists(string? path, string field, bool directoryAllowed)
    {
        if (path is null || File.Exists(path) || (directoryAllowed && Directory.Exists(path)))
        {
            return;
        }

        var what = Directory.Exists(path) ? "is a directory; give a text file" : "not found; check the path";
        throw new CorpusException($"--{field} '{path}': {what}");
    }

    /// <summary>The generator's true perplexity when the job trains on the built-in corpus.</summary>
    public static double? OptimalPerplexity(JobDefinition job) => job.Corpus is null ? BuiltInCorpus.OptimalPerplexity : null;
}
