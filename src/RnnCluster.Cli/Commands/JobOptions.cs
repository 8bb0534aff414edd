using System.CommandLine;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// The job flags shared by <c>train</c>, <c>local</c> and <c>submit</c>. A <c>--job</c> JSON file gives
/// the same fields (snake_case); flags given on the command line override it.
/// </summary>
public sealed class JobOptions
{
    private static readonly JobDefinition Defaults = new();
    private readonly List<Action<ParseResult, Func<JobDefinition>, Action<JobDefinition>>> _binders = [];
    private readonly Option<string?> _corpus;

    public JobOptions()
    {
        JobFile = new Option<FileInfo?>("--job") { Description = "JSON job file (same names as the flags, snake_case)" };
        Json = new Option<bool>("--json") { Description = "print one JSON object per line instead of progress bars" };
        All.Add(JobFile);
        All.Add(Json);
        _corpus = Add<string?>("--corpus", "training text file, or a directory with train/valid/test files; default: the built-in corpus (then hidden 128, 3 epochs, decay after 1 unless given)", null, (j, v) => j with { Corpus = v });
        Add<string?>("--valid", "validation text file (default: the corpus directory's valid file, else the last 10% of the training text)", null, (j, v) => j with { Valid = v });
        Add<string?>("--test", "test text file, evaluated after training", null, (j, v) => j with { Test = v });
        Add("--tokens", "word | char", Defaults.Tokens, (j, v) => j with { Tokens = v });
        Add("--max-vocab", "keep at most this many words (0: all)", Defaults.MaxVocab, (j, v) => j with { MaxVocab = v });
        Add("--min-count", "words seen fewer times become <unk>", Defaults.MinCount, (j, v) => j with { MinCount = v });
        Add("--model", "rnn | lstm | gru", Defaults.Model, (j, v) => j with { Model = v });
        Add("--layers", "stacked recurrent layers", Defaults.Layers, (j, v) => j with { Layers = v });
        Add("--hidden", "hidden (and embedding) size", Defaults.Hidden, (j, v) => j with { Hidden = v });
        Add("--batch", "parallel streams B", Defaults.Batch, (j, v) => j with { Batch = v });
        Add("--bptt", "truncated BPTT window length", Defaults.Bptt, (j, v) => j with { Bptt = v });
        Add("--lr", "learning rate (loss = Σ over time of the batch-mean cross-entropy, as Zaremba et al.)", Defaults.Lr, (j, v) => j with { Lr = v });
        Add("--decay", "learning-rate factor per epoch after --decay-after", Defaults.Decay, (j, v) => j with { Decay = v });
        Add("--decay-after", "epochs at the initial learning rate", Defaults.DecayAfter, (j, v) => j with { DecayAfter = v });
        Add("--clip", "clip the gradient's global norm (0: off)", Defaults.Clip, (j, v) => j with { Clip = v });
        Add("--epochs", "passes over the training text", Defaults.Epochs, (j, v) => j with { Epochs = v });
        Add("--dropout", "dropout on non-recurrent connections", Defaults.Dropout, (j, v) => j with { Dropout = v });
        Add("--init-scale", "uniform initialisation ±scale", Defaults.InitScale, (j, v) => j with { InitScale = v });
        Add("--forget-bias", "initial LSTM forget-gate bias", Defaults.ForgetBias, (j, v) => j with { ForgetBias = v });
        Add("--seed", "random seed (runs are deterministic for a seed)", Defaults.Seed, (j, v) => j with { Seed = v });
        Add("--max-steps", "stop after this many steps (0: no limit)", Defaults.MaxSteps, (j, v) => j with { MaxSteps = v });
        Add("--optimizer", "sgd | momentum | adam", Defaults.Optimizer, (j, v) => j with { Optimizer = v });
        Add("--momentum", "momentum coefficient for --optimizer momentum", Defaults.Momentum, (j, v) => j with { Momentum = v });
        Add("--mode", "cluster mode: sync | async | local-sgd", Defaults.Mode, (j, v) => j with { Mode = v });
        Add("--ps-placement", "cluster parameter server: workers (sharded: each worker node serves one key range) | coordinator (one server holds every weight) | auto (workers with --optimizer sgd, else coordinator)", Defaults.PsPlacement, (j, v) => j with { PsPlacement = v });
        Add("--workers", "worker processes `local` starts (0: 2) / workers a submitted job waits for (0: whatever is up)", Defaults.Workers, (j, v) => j with { Workers = v });
        Add("--threads", "compute threads per process (0: all cores); stream groups run in parallel on them", Defaults.Threads, (j, v) => j with { Threads = v });
        Add("--stream-groups", "stream groups G, the unit of gradient work (0: one per thread, 4 with --deterministic)", Defaults.StreamGroups, (j, v) => j with { StreamGroups = v });
        Add("--deterministic", "bitwise-reproducible training: the same weights for any thread or worker count (fixed stream groups, single-threaded GEMMs)", Defaults.Deterministic, (j, v) => j with { Deterministic = v });
        Add<string?>("--out", "write the trained model to this file", null, (j, v) => j with { Out = v });
        Add<string?>("--checkpoint-dir", "write checkpoints into this directory", null, (j, v) => j with { CheckpointDir = v });
        Add("--checkpoint-every", "steps between checkpoints (0: epoch ends only)", Defaults.CheckpointEvery, (j, v) => j with { CheckpointEvery = v });
        Add("--eval-batch", "streams for validation perplexity", Defaults.EvalBatch, (j, v) => j with { EvalBatch = v });
        Add("--builtin-train-tokens", "size of the built-in training text", Defaults.BuiltinTrainTokens, (j, v) => j with { BuiltinTrainTokens = v });
    }

    public Option<FileInfo?> JobFile { get; }

    public Option<bool> Json { get; }

    public List<Option> All { get; } = [];

    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The job file (if any; else <paramref name="defaults"/>, else the JobDefinition defaults) with every
    /// flag given on the command line applied over it, validated.
    /// </summary>
    public JobDefinition Bind(ParseResult result, JobDefinition? defaults = null)
    {
        var file = result.GetValue(JobFile);
        var job = file is null ? defaults ?? new JobDefinition() : JobDefinition.FromJson(ReadJobFile(file));
        foreach (var binder in _binders)
        {
            binder(result, () => job, j => job = j);
        }

        job.Validate();
        return job;
    }

    /// <summary>
    /// Like <see cref="Bind(ParseResult, JobDefinition?)"/>, but a job with neither a job file nor
    /// --corpus starts from <see cref="JobDefinition.BuiltinCorpusDefaults"/>.
    /// </summary>
    public JobDefinition BindWithBuiltinDefaults(ParseResult result)
    {
        var builtin = result.GetValue(JobFile) is null && result.GetResult(_corpus) is null or { Implicit: true };
        return Bind(result, builtin ? JobDefinition.BuiltinCorpusDefaults : null);
    }

    private static string ReadJobFile(FileInfo file) => file.Exists
        ? File.ReadAllText(file.FullName)
        : throw new ArgumentException($"job file '{file.FullName}' not found");

    private Option<T> Add<T>(string name, string description, T defaultValue, Func<JobDefinition, T, JobDefinition> apply)
    {
        var option = new Option<T>(name) { Description = $"{description} [default: {defaultValue?.ToString() ?? "none"}]" };
        All.Add(option);
        _binders.Add((result, get, set) =>
        {
            if (result.GetResult(option) is { Implicit: false })
            {
                set(apply(get(), result.GetValue(option)!));
            }
        });
        return option;
    }
}
