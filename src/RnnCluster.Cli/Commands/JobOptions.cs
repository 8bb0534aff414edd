using System.CommandLine;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// The job flags shared by <c>train</c>, <c>local</c> and <c>submit</c>. A <c>--job</c> JSON file gives
/// the same fields (snake_case); flags given on the command line override it.
/// </summary>
public sealed class JobOptions
{
    private const long MaxJobFileBytes = 1 << 20;
    private static readonly JobDefinition Defaults = new();
    private readonly List<Action<ParseResult, Func<JobDefinition>, Action<JobDefinition>>> _binders = [];
    private readonly Option<string?> _corpus;
    private readonly Option<string> _task;
    // Fields that mean something for one value of another flag only: (that flag, its value in the job, the value the field needs, the field's option).
    private readonly (Option Flag, Func<JobDefinition, string> Actual, string Value, Option Option)[] _conditional;
    // --builtin-train-tokens and --builtin-valid-tokens: they size the built-in corpus only.
    private readonly Option[] _builtinSizes;
    // Each field's default, to drop a job file's field of a mode the command line switched away from.
    private readonly Dictionary<Option, Func<JobDefinition, JobDefinition>> _resets = [];

    public JobOptions()
    {
        JobFile = new Option<FileInfo?>("--job") { Description = "JSON job file (same names as the flags, snake_case); flags given with it override its fields (a flag that switches a mode, --decay-on-plateau, --mode or --optimizer, drops the file's fields of the mode it leaves)" };
        Json = new Option<bool>("--json") { Description = "print one JSON object per line instead of progress bars" };
        All.Add(JobFile);
        All.Add(Json);
        _task = Add("--task", "lm (a language model) | classify (a document classifier over labelled lines: fastText's __label__NAME text, or label<TAB>text; on the cluster: sync mode, one parameter server; its defaults: --model bow --layers 1 --hidden 100 --dropout 0.5 --batch 32 --lr 2 --epochs 30 --decay-after 15; --model rnn|lstm|gru reads a document's first --bptt words, default 100) | cbow (CBOW word embeddings over one sentence a line; on the cluster as classify; --out writes the vectors in word2vec's text format; its defaults: --hidden 100 --window 5 --negative 5 --subsample 1e-3 --min-count 5 --batch 1000 --lr 200 (--negative 0: use about --lr 50) --epochs 5 --decay-after 1 --decay 0.6 --clip 0 --init-scale 0.005)", Defaults.Task, (j, v) => j with { Task = v });
        Add<string?>("--split", "--task classify: TRAIN/VALID/TEST percentages cutting the one --corpus file, stratified by class and fixed by --seed (e.g. 80/10/10; without --valid or --split: 90/10/0)", null, (j, v) => j with { Split = v });
        _corpus = Add<string?>("--corpus", "training text file, or a directory with train/valid/test files; default: the built-in corpus (then hidden 128, 3 epochs, decay after 1 unless given)", null, (j, v) => j with { Corpus = v });
        Add<string?>("--valid", "validation text file (default: the corpus directory's valid file, else the last 10% of the training text)", null, (j, v) => j with { Valid = v });
        Add<string?>("--test", "test text file, evaluated after training", null, (j, v) => j with { Test = v });
        Add("--window", "--task cbow: context words on each side of the centre word (each centre draws its window from 1..C, as word2vec; never across a line end)", Defaults.Window, (j, v) => j with { Window = v });
        Add("--negative", "--task cbow: negative samples per centre word (0: the course's full softmax over the vocabulary, slow for large vocabularies)", Defaults.Negative, (j, v) => j with { Negative = v });
        Add("--subsample", "--task cbow: subsampling threshold t of frequent words (word2vec's rule; 0: keep every word)", Defaults.Subsample, (j, v) => j with { Subsample = v });
        Add("--tokens", "word | char", Defaults.Tokens, (j, v) => j with { Tokens = v });
        Add("--max-vocab", "keep at most this many words (0: all)", Defaults.MaxVocab, (j, v) => j with { MaxVocab = v });
        Add("--min-count", "words seen fewer times become <unk> (--task cbow: are left out; its default is 5)", Defaults.MinCount, (j, v) => j with { MinCount = v });
        Add("--model", "rnn | lstm | gru | char-lstm (language models only: each word's characters → convolutions of widths 1–6 → highway → --layers LSTMs of --hidden, as Kim et al. 2016); with --task classify also bow (the mean of the word embeddings, then --layers tanh layers)", Defaults.Model.Cell.Name(), (j, v) => j.WithModel(m => m with { Cell = ParseCell(v) }));
        Add("--layers", "stacked recurrent layers", Defaults.Model.Layers, (j, v) => j.WithModel(m => m with { Layers = v }));
        Add("--hidden", "hidden (and word embedding) size", Defaults.Model.Hidden, (j, v) => j.WithModel(m => m with { Hidden = v }));
        Add("--batch", "parallel streams B (--task classify: documents a step; --task cbow: corpus positions a step)", Defaults.Training.Batch, (j, v) => j.WithTraining(t => t with { Batch = v }));
        Add("--bptt", "truncated BPTT window length", Defaults.Training.Bptt, (j, v) => j.WithTraining(t => t with { Bptt = v }));
        Add("--lr", "learning rate (language models: loss = Σ over time of the batch-mean cross-entropy, as Zaremba et al.; classify and cbow: the batch-mean loss)", Defaults.Training.LearningRate, (j, v) => j.WithTraining(t => t with { LearningRate = v }));
        Add("--decay", "learning-rate factor: per epoch after --decay-after, or (with --decay-on-plateau) after each epoch that stalls", Defaults.Training.Decay, (j, v) => j.WithTraining(t => t with { Decay = v }));
        var decayAfter = Add("--decay-after", "epochs at the initial learning rate (a fixed schedule: with --decay-on-plateau 0)", Defaults.Training.DecayAfter, (j, v) => j.WithTraining(t => t with { DecayAfter = v }));
        var decayOnPlateau = Add("--decay-on-plateau", "instead of --decay-after: multiply the rate by --decay after each epoch whose validation perplexity fell by less than this many points (Kim et al.: 1; 0: off; train only)", Defaults.Training.DecayOnPlateau, (j, v) => j.WithTraining(t => t with { DecayOnPlateau = v }));
        Add("--clip", "clip the gradient's global norm (0: off)", Defaults.Training.Clip, (j, v) => j.WithTraining(t => t with { Clip = v }));
        Epochs = Add("--epochs", "passes over the training text (with train --resume: the run's new total, to train on past its end or stop it earlier)", Defaults.Training.Epochs, (j, v) => j.WithTraining(t => t with { Epochs = v }));
        Add("--dropout", "dropout on non-recurrent connections", Defaults.Model.Dropout, (j, v) => j.WithModel(m => m with { Dropout = v }));
        Add("--init-scale", "uniform initialisation ±scale", Defaults.Model.InitScale, (j, v) => j.WithModel(m => m with { InitScale = v }));
        Add("--forget-bias", "initial LSTM forget-gate bias", Defaults.Model.ForgetBias, (j, v) => j.WithModel(m => m with { ForgetBias = v }));
        Add("--tie-weights", "the softmax's output weights are the input embedding (Press & Wolf 2017; Inan et al. 2017): one V×H matrix instead of two; language models only", Defaults.Model.TieWeights, (j, v) => j.WithModel(m => m with { TieWeights = v }));
        Add("--seed", "random seed (runs are deterministic for a seed)", Defaults.Training.Seed, (j, v) => j.WithTraining(t => t with { Seed = v }));
        MaxSteps = Add("--max-steps", "stop after this many steps (0: no limit; with train --resume: the run's new limit)", Defaults.Training.MaxSteps, (j, v) => j.WithTraining(t => t with { MaxSteps = v }));
        var optimizer = Add("--optimizer", "sgd | momentum | adam", Defaults.Training.Optimizer, (j, v) => j.WithTraining(t => t with { Optimizer = v }));
        var momentum = Add("--momentum", "momentum coefficient for --optimizer momentum", Defaults.Training.Momentum, (j, v) => j.WithTraining(t => t with { Momentum = v }));
        var mode = Add("--mode", "cluster jobs (train ignores it): sync (every step's gradients summed) | local-sgd (each worker takes --sync-every SGD steps alone, then the weights are averaged) | async (each gradient applied as it arrives; a worker runs at most --max-staleness steps ahead)", Defaults.Mode, (j, v) => j with { Mode = v });
        _conditional =
        [
            (optimizer, j => j.Training.Optimizer, "momentum", momentum),
            (mode, j => j.Mode, "local-sgd", Add("--sync-every", "--mode local-sgd: local steps between averagings (H)", Defaults.SyncEvery, (j, v) => j with { SyncEvery = v })),
            (mode, j => j.Mode, "local-sgd", Add("--warmup-sync-steps", "--mode local-sgd: synchronous steps before the first local round (post-local SGD)", Defaults.WarmupSyncSteps, (j, v) => j with { WarmupSyncSteps = v })),
            (decayOnPlateau, j => j.Training.DecayOnPlateau.ToString(System.Globalization.CultureInfo.InvariantCulture), "0", decayAfter),
            (mode, j => j.Mode, "async", Add("--max-staleness", "--mode async: steps a worker may run ahead of the slowest (S, 0–1000; 0: in step, as sync)", Defaults.MaxStaleness, (j, v) => j with { MaxStaleness = v })),
        ];
        Add("--compress", "cluster jobs (train ignores it): gradients on the wire: none | bf16 | fp16 (in sync mode weight updates too, as 16-bit differences) | topk:R (the fraction R of largest gradient values, the rest kept for later steps; e.g. topk:0.01 or topk:1%)", Defaults.Compress, (j, v) => j with { Compress = v });
        Add("--ps-placement", "cluster jobs (train ignores it): the parameter server: workers (sharded: each worker node serves one key range) | coordinator (one server holds every weight) | auto (workers with --optimizer sgd in sync mode for a model of 1,000,000 parameters or more, else coordinator)", Defaults.PsPlacement, (j, v) => j with { PsPlacement = v });
        Add("--workers", "cluster jobs (train ignores it): worker processes `local` starts (0: 2) / workers a submitted job waits for (0: whatever is up)", Defaults.Workers, (j, v) => j with { Workers = v });
        Threads = Add("--threads", "compute threads per process (0: all cores); stream groups run in parallel on them", Defaults.Training.Threads, (j, v) => j.WithTraining(t => t with { Threads = v }));
        Add("--stream-groups", "stream groups G, the unit of gradient work (0: one per thread, 4 with --deterministic)", Defaults.Training.StreamGroups, (j, v) => j.WithTraining(t => t with { StreamGroups = v }));
        Add("--deterministic", "bitwise-reproducible training: the same weights for any thread or worker count (fixed stream groups, single-threaded GEMMs)", Defaults.Training.Deterministic, (j, v) => j.WithTraining(t => t with { Deterministic = v }));
        Add<string?>("--out", "write the trained model to this file", null, (j, v) => j with { Out = v });
        Add("--keep-best", "--out gets the model of the epoch with the lowest validation perplexity (--task classify: loss), written when that epoch ends (train only)", Defaults.KeepBest, (j, v) => j with { KeepBest = v });
        CheckpointDir = Add<string?>("--checkpoint-dir", "write checkpoints into this directory (train --resume and, on the cluster, submit --resume continue from them; every task; with train --resume: the resumed run writes here instead of where the checkpoint's job said)", null, (j, v) => j with { CheckpointDir = v });
        Add("--checkpoint-every", "steps between checkpoints (0: epoch ends only); with --checkpoint-dir (submit: or the coordinator node's)", Defaults.CheckpointEvery, (j, v) => j with { CheckpointEvery = v });
        Add("--eval-batch", "streams for validation perplexity", Defaults.Training.EvalBatch, (j, v) => j.WithTraining(t => t with { EvalBatch = v }));
        _builtinSizes =
        [
            Add("--builtin-train-tokens", "size of the built-in training text", Defaults.BuiltinTrainTokens, (j, v) => j with { BuiltinTrainTokens = v }),
            Add("--builtin-valid-tokens", "size of the built-in validation text", Defaults.BuiltinValidTokens, (j, v) => j with { BuiltinValidTokens = v }),
        ];
    }

    public Option<FileInfo?> JobFile { get; }

    public Option<bool> Json { get; }

    /// <summary><c>--threads</c>: a job flag train takes beside --resume (where the run computes; its stream groups stay).</summary>
    public Option<int> Threads { get; }

    /// <summary>--epochs: a job flag train takes beside --resume (the run's new total of epochs).</summary>
    public Option<int> Epochs { get; }

    /// <summary>--max-steps: a job flag train takes beside --resume (the run's new step limit).</summary>
    public Option<long> MaxSteps { get; }

    /// <summary>--checkpoint-dir: a job flag train takes beside --resume (where the resumed run writes its checkpoints).</summary>
    public Option<string?> CheckpointDir { get; }

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
    /// <param name="checkpointsNeedDir">
    /// True for <c>train</c> and <c>local</c>, whose checkpoints go to the job's <c>--checkpoint-dir</c>
    /// only (a submitted job's may go to its coordinator node's): <c>--checkpoint-every</c> without it is refused.
    /// </param>
    /// <exception cref="ArgumentException">When the job file or a flag is not valid (the message names it).</exception>
    /// <param name="forCluster">True for <c>local</c> and <c>submit</c>: also <see cref="JobDefinition.ValidateForCluster"/>, its message naming the job file's field when the file set it.</param>
    public JobDefinition Bind(ParseResult result, JobDefinition? defaults = null, bool checkpointsNeedDir = false, bool forCluster = false)
    {
        var file = result.GetValue(JobFile);
        var task = result.GetResult(_task) is { Implicit: false } ? result.GetValue(_task) : null;
        if (task is not null)
        {
            defaults = JobDefinition.DefaultsFor(task); // a classifier's defaults differ; the built-in corpus is text for language models
        }

        var (job, fileFields) = file is null ? (defaults ?? new JobDefinition(), new Dictionary<string, string>()) : ReadJobFile(file, task);
        var fromFile = job;
        foreach (var binder in _binders)
        {
            binder(result, () => job, j => job = j);
        }

        // A field of one mode (or optimizer) set for another, as a flag or in the job file (also at its
        // default value, which Validate cannot tell): it would be ignored without a word.
        foreach (var (flag, actualOf, value, option) in _conditional)
        {
            var actual = actualOf(job);
            if (value == actual)
            {
                continue;
            }

            if (actualOf(fromFile) != actual && result.GetResult(option) is not { Implicit: false } && fileFields.Remove(FieldOf(option.Name)))
            {
                // The command line switched the job file's mode: the file's field of the other mode goes with it.
                job = _resets[option](job);
                continue;
            }

            RefuseIfGiven(result, option, file, fileFields, $"applies to {flag.Name} {value} only (this job's {flag.Name.TrimStart('-')} is {actual})");
        }

        // A language model on --corpus with a built-in corpus size given (at any value, even the default):
        // refused here, where it is known what was given; a job read back from a checkpoint is not bound.
        if (job.Corpus is not null && job.Task == "lm")
        {
            foreach (var option in _builtinSizes)
            {
                RefuseIfGiven(result, option, file, fileFields, "does not apply here: it sizes the built-in corpus, and this job reads --corpus");
            }
        }

        try
        {
            if (forCluster)
            {
                job.ValidateForCluster();
            }
            else
            {
                job.Validate();
            }

            if (checkpointsNeedDir && job.CheckpointEvery > 0 && job.CheckpointDir is null)
            {
                throw new ArgumentException($"--checkpoint-every {job.CheckpointEvery} needs --checkpoint-dir, the directory the checkpoints are written to");
            }
        }
        catch (ArgumentException e) when (Restated(result, e.Message, file, fileFields) is { } restated)
        {
            throw new ArgumentException(restated, e);
        }

        return job;
    }

    /// <summary>Refuses <paramref name="option"/> when the command line or the job file gives it (at any value): "--flag {why}" or "FILE: "field" {why}".</summary>
    /// <exception cref="ArgumentException">When it was given.</exception>
    private static void RefuseIfGiven(ParseResult result, Option option, FileInfo? file, Dictionary<string, string> fileFields, string why)
    {
        if (result.GetResult(option) is { Implicit: false })
        {
            throw new ArgumentException($"{option.Name} {why}");
        }

        if (fileFields.ContainsKey(FieldOf(option.Name)))
        {
            throw new ArgumentException($"{file!.FullName}: \"{FieldOf(option.Name)}\" {why}");
        }
    }

    /// <summary>
    /// A validation message restated with the value as its source gave it: about a value the job file set
    /// (its flag was not given on the command line), with the file and its field (<c>--hidden -5 …</c>
    /// becomes <c>FILE: "hidden": -5 …</c>); about a number that became another value as a 32-bit float,
    /// with the number as written (<c>--dropout 1 must be in [0, 1)</c> for <c>--dropout 0.99999999</c>
    /// becomes <c>--dropout 0.99999999 (1 as a 32-bit float) must be …</c>, in a file's field too); null
    /// when there is nothing to restate.
    /// </summary>
    private string? Restated(ParseResult result, string message, FileInfo? file, Dictionary<string, string> fileFields)
    {
        var flag = message.Split(' ', 2)[0].TrimEnd(':');
        var option = All.FirstOrDefault(o => o.Name == flag);
        if (option is null || message.Length <= flag.Length + 1)
        {
            return null;
        }

        var rest = message[(flag.Length + 1)..].TrimStart(':', ' ');
        if (result.GetResult(option) is { Implicit: false } given)
        {
            return given.Tokens is [var token] && ValueAsWritten(rest, token.Value) is { } restated ? $"{flag} {restated}" : null;
        }

        if (file is null)
        {
            return null;
        }

        var field = FieldOf(flag);
        return $"{file.FullName}: \"{field}\": {(fileFields.TryGetValue(field, out var written) ? ValueAsWritten(rest, written) : null) ?? rest}";
    }

    /// <summary>
    /// "1 must be …" as "0.99999999 (1 as a 32-bit float) must be …" when <paramref name="written"/> is a
    /// number other than the one <paramref name="rest"/> starts with (the float it was rounded to); null otherwise.
    /// </summary>
    private static string? ValueAsWritten(string rest, string written)
    {
        var value = rest.Split(' ', 2)[0];
        const System.Globalization.NumberStyles Number = System.Globalization.NumberStyles.Float;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        return decimal.TryParse(written, Number, invariant, out var asWritten) && decimal.TryParse(value, Number, invariant, out var asStored) && asWritten != asStored
            ? $"{written} ({value} as a 32-bit float){rest[value.Length..]}"
            : null;
    }

    /// <summary>
    /// Like <see cref="Bind(ParseResult, JobDefinition?, bool, bool)"/>, but a job with neither a job file nor
    /// --corpus starts from <see cref="JobDefinition.BuiltinCorpusDefaults"/>.
    /// </summary>
    public JobDefinition BindWithBuiltinDefaults(ParseResult result, bool checkpointsNeedDir = false, bool forCluster = false)
    {
        var builtin = result.GetValue(JobFile) is null && result.GetResult(_corpus) is null or { Implicit: true };
        return Bind(result, builtin ? JobDefinition.BuiltinCorpusDefaults : null, checkpointsNeedDir, forCluster);
    }

    private static CellType ParseCell(string name) => CellTypes.TryParse(name, out var cell)
        ? cell
        : throw new ArgumentException($"--model {Core.Text.QuotedText.Quote(name)}: expected rnn, lstm, gru, char-lstm, bow (--task classify) or cbow (--task cbow)");

    /// <exception cref="ArgumentException">When the file is missing or not a valid job (the message names the file).</exception>
    /// <summary>A flag's job-file field: <c>--decay-after</c> is <c>decay_after</c>.</summary>
    private static string FieldOf(string flag) => flag.TrimStart('-').Replace('-', '_');

    /// <summary>The job a file describes and the fields it gives (name → the value's JSON text).</summary>
    private static (JobDefinition Job, Dictionary<string, string> Fields) ReadJobFile(FileInfo file, string? task)
    {
        if (Directory.Exists(file.FullName))
        {
            throw new ArgumentException($"job file '{file.FullName}' is a directory; --job takes a JSON file");
        }

        if (!file.Exists)
        {
            throw new ArgumentException($"job file '{file.FullName}' not found");
        }

        if (Core.Checkpoints.FileKind.DescribeSpecial(file.FullName, followLinks: true) is { } kind)
        {
            throw new ArgumentException($"job file '{file.FullName}' is {kind}; --job takes a JSON file");
        }

        if (file.Length > MaxJobFileBytes)
        {
            throw new ArgumentException($"job file '{file.FullName}' has {file.Length:N0} bytes; a job file is a small JSON object (at most {MaxJobFileBytes:N0})");
        }

        try
        {
            var json = File.ReadAllText(file.FullName);
            var job = JobDefinition.FromJson(json, task);
            using var document = System.Text.Json.JsonDocument.Parse(json);
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                fields[property.Name] = property.Value.GetRawText();
            }

            return (job, fields);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{file.FullName}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new ArgumentException($"job file '{file.FullName}' could not be read: {Core.Checkpoints.FileSystemError.Describe(e, writing: false)}", e);
        }
    }

    private Option<T> Add<T>(string name, string description, T defaultValue, Func<JobDefinition, T, JobDefinition> apply)
    {
        var option = new Option<T>(name) { Description = $"{description} [default: {defaultValue?.ToString() ?? "none"}]" };
        if (typeof(T) == typeof(float))
        {
            option.Validators.Add(r =>
            {
                if (r.Tokens is [var token] && double.TryParse(token.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
                    && Core.Training.FloatRange.Problem(d) is { } problem)
                {
                    r.AddError($"{name} {token.Value} {problem}");
                }
            });
        }

        All.Add(option);
        _resets[option] = job => apply(job, defaultValue);
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
