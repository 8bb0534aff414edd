using System.Text.Json.Serialization;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Training;

/// <summary>
/// Everything a training job is given: the job flags of the CLI, with the same snake_case names in one
/// flat JSON job file (see <see cref="JobFileJson"/>). Shared by single-process <c>train</c> and cluster
/// jobs. The model's architecture is a <see cref="ModelSpec"/> and the hyperparameters are
/// <see cref="TrainingOptions"/>, each holding its own defaults; the rest (data, cluster, outputs) is
/// the job's own.
/// </summary>
public sealed record JobDefinition
{
    /// <summary>What the job trains: <c>lm</c> (a language model), <c>classify</c> (a document classifier) or <c>cbow</c> (word embeddings); on the cluster the last two train in sync mode on one parameter server so far.</summary>
    public string Task { get; init; } = "lm";

    /// <summary><c>--task cbow</c>: C, context words each side (see <see cref="Embeddings.CbowSettings.Window"/>).</summary>
    public int Window { get; init; } = 5;

    /// <summary><c>--task cbow</c>: K negative samples per centre word; 0: the full softmax (see <see cref="Embeddings.CbowSettings.Negatives"/>).</summary>
    public int Negative { get; init; } = 5;

    /// <summary><c>--task cbow</c>: t of the subsampling of frequent words; 0: none (see <see cref="Embeddings.CbowSettings.Subsample"/>).</summary>
    public double Subsample { get; init; } = 1e-3;

    /// <summary>The CBOW objective's settings of this job.</summary>
    [JsonIgnore]
    public Embeddings.CbowSettings Cbow => new(Window, Negative, Subsample);

    /// <summary>True for <c>--task cbow</c>.</summary>
    [JsonIgnore]
    public bool Embeddings => Task == "cbow";

    /// <summary>
    /// <c>--task classify</c>: <c>TRAIN/VALID/TEST</c> percentages cutting the one labelled file (see
    /// <see cref="Classification.DataSplit"/>); null: a separate validation file, else 90/10/0.
    /// </summary>
    public string? Split { get; init; }

    /// <summary>Training text file or a directory holding train/valid/test files; null: the built-in corpus.</summary>
    public string? Corpus { get; init; }

    /// <summary>Validation text file (null: the corpus directory's valid file, else the last 10% of the training text).</summary>
    public string? Valid { get; init; }

    /// <summary>Test text file, evaluated after training (null: none, or the corpus directory's).</summary>
    public string? Test { get; init; }

    /// <summary><c>word</c> or <c>char</c> tokens.</summary>
    public string Tokens { get; init; } = "word";

    /// <summary>Keep at most this many words (0: every word).</summary>
    public int MaxVocab { get; init; }

    /// <summary>Words seen fewer times become &lt;unk&gt;.</summary>
    public int MinCount { get; init; } = 1;

    /// <summary>The architecture; its vocabulary size is 0 here (the corpus sets it, see <see cref="ToModelSpec(int, int)"/>).</summary>
    [JsonIgnore]
    public ModelSpec Model { get; init; } = ModelSpec.Default;

    /// <summary>The hyperparameters (batch, BPTT window, learning-rate schedule, optimizer, threads …).</summary>
    [JsonIgnore]
    public TrainingOptions Training { get; init; } = new();

    /// <summary>sync | async | local-sgd (cluster jobs).</summary>
    public string Mode { get; init; } = "sync";

    /// <summary>
    /// <c>--mode local-sgd</c>: the optimizer steps each worker takes on its own streams and its own copy
    /// of the weights between two averagings (H of Stich 2019, "Local SGD converges fast and communicates
    /// little"); a round also ends at an epoch's end, the step limit and a checkpoint step.
    /// </summary>
    public int SyncEvery { get; init; } = 4;

    /// <summary>
    /// <c>--mode local-sgd</c>: synchronous steps before the first local round (the warm-up of "post-local
    /// SGD", Lin et al. 2020, "Don't use large mini-batches, use local SGD"); 0: local from the start.
    /// </summary>
    public long WarmupSyncSteps { get; init; }

    /// <summary>
    /// <c>--compress</c>: what a cluster job's gradients (and weight updates) become on the wire:
    /// <c>none</c>, <c>bf16</c>, <c>fp16</c> or <c>topk:R</c> (see <see cref="WireCompression"/>).
    /// </summary>
    public string Compress { get; init; } = "none";

    /// <summary>The parsed <see cref="Compress"/>.</summary>
    /// <exception cref="ArgumentException">When it is not a valid value.</exception>
    [JsonIgnore]
    public WireCompression Compression => WireCompression.Parse(Compress);

    /// <summary>
    /// <c>--mode async</c>: how many steps a worker may run ahead of the slowest one (S of stale-synchronous
    /// parallel, Ho et al. 2013); 0 keeps every worker on the same step, as sync mode.
    /// </summary>
    public int MaxStaleness { get; init; } = 2;

    /// <summary>True for <c>--mode async</c>.</summary>
    [JsonIgnore]
    public bool Async => Mode == "async";

    /// <summary>True for <c>--mode local-sgd</c>.</summary>
    [JsonIgnore]
    public bool LocalSgd => Mode == "local-sgd";

    /// <summary>
    /// Where a cluster job's parameter server lives: <c>coordinator</c> (one server holding every
    /// weight), <c>workers</c> (sharded: every worker node serves one key range) or <c>auto</c>
    /// (workers for a sync SGD job whose model has at least <see cref="AutoShardedMinParameters"/>
    /// parameters, whose key ranges hold no optimizer state; coordinator otherwise).
    /// </summary>
    public string PsPlacement { get; init; } = "auto";

    /// <summary>Workers a cluster job waits for before it starts (0: whatever is up).</summary>
    public int Workers { get; init; }

    /// <summary>Where the trained model is written (null: nowhere).</summary>
    public string? Out { get; init; }

    /// <summary>
    /// <see cref="Out"/> holds the model of the epoch with the lowest validation perplexity, written
    /// at that epoch's end, rather than the last one (needs <see cref="Out"/>).
    /// </summary>
    public bool KeepBest { get; init; }

    /// <summary>Directory of the job's checkpoints (null: none).</summary>
    public string? CheckpointDir { get; init; }

    /// <summary>Steps between checkpoints (0: epoch ends only).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Built-in corpus sizes in tokens, used when <see cref="Corpus"/> is null.</summary>
    public int BuiltinTrainTokens { get; init; } = 200_000;

    public int BuiltinValidTokens { get; init; } = 20_000;

    public static readonly string[] Modes = ["sync", "async", "local-sgd"];

    public static readonly string[] Tasks = ["lm", "classify", "cbow"];

    /// <summary>True for <c>--task classify</c>.</summary>
    [JsonIgnore]
    public bool Classify => Task == "classify";

    /// <summary>
    /// Defaults for a <c>--task classify</c> job: the course's bag-of-words network (one tanh layer of 100
    /// units, dropout 0.5), 32 documents a step, lr 2 for 15 epochs, then halved each epoch to the 30th
    /// (the best validation accuracy of 7 settings tried on the fortunes benchmark); a recurrent
    /// classifier (<c>--model rnn|lstm|gru</c>) reads up to 100 words of a document (<c>--bptt</c>).
    /// </summary>
    public static JobDefinition ClassifyDefaults { get; } = new()
    {
        Task = "classify",
        Model = new ModelSpec(CellType.Bow, 0, 1, 100, Dropout: 0.5f),
        Training = new TrainingOptions { Batch = 32, Bptt = 100, LearningRate = 2f, Epochs = 30, DecayAfter = 15 },
    };

    /// <summary>
    /// Defaults for a <c>--task cbow</c> job: word2vec's CBOW settings (100-dimensional vectors, window 5,
    /// 5 negative samples, subsampling 1e-3, words seen at least 5 times, input vectors uniform in
    /// ±0.5/d and output vectors zero) in steps of 1,000 corpus positions whose summed-then-averaged
    /// gradient is applied at lr 200 (0.2 a centre word; word2vec's CBOW rate is 0.05: 200 had the
    /// lowest validation loss of 50, 100, 200 and 300 on PTB), 5 epochs, the rate falling by 0.6 an
    /// epoch after the first, no clipping.
    /// </summary>
    public static JobDefinition CbowDefaults { get; } = new()
    {
        Task = "cbow",
        MinCount = 5,
        Model = new ModelSpec(CellType.Cbow, 0, 1, 100, InitScale: 0.005f),
        Training = new TrainingOptions { Batch = 1000, LearningRate = 200f, Epochs = 5, DecayAfter = 1, Decay = 0.6f, Clip = 0f },
    };

    /// <summary>The defaults a job of <paramref name="task"/> starts from (<see cref="ClassifyDefaults"/> for classify, <see cref="CbowDefaults"/> for cbow).</summary>
    public static JobDefinition DefaultsFor(string? task) => task switch
    {
        "classify" => ClassifyDefaults,
        "cbow" => CbowDefaults,
        _ => new JobDefinition(),
    };

    /// <summary>The parsed <see cref="Split"/> (null when not given).</summary>
    /// <exception cref="ArgumentException">Naming --split when it is malformed.</exception>
    [JsonIgnore]
    public Classification.DataSplit? DataSplit => Split is null ? null : Classification.DataSplit.Parse(Split);

    /// <summary>The built-in corpus's size limits in tokens (it is generated in memory).</summary>
    public const int MinBuiltinTokens = 100, MaxBuiltinTokens = 20_000_000;

    public static readonly string[] PsPlacements = ["auto", "coordinator", "workers"];

    /// <summary>
    /// The smallest model <c>--ps-placement auto</c> shards. A sharded step adds hops between the
    /// workers (slices and squares) that a small model's transfers do not pay for. Measured on 2
    /// workers, 2-core host, 2026-12-02: the built-in corpus's 276K-parameter model stepped in 13.9 ms
    /// central against 18.8 sharded; PTB small's 4.65M parameters in 93.8 ms central against 90.9
    /// sharded (82.8 in another run). The threshold lies between the two; it is not tuned finer.
    /// </summary>
    public const long AutoShardedMinParameters = 1_000_000;

    /// <summary>True when the parameter server of this job's model <paramref name="spec"/> is sharded over the worker nodes (see <see cref="PsPlacement"/>).</summary>
    /// <remarks>Language models only: a classify or cbow job's parameter server is on the coordinator.</remarks>
    public bool ShardsParameterServer(ModelSpec spec) => Task == "lm" && (PsPlacement == "workers"
        || (PsPlacement == "auto" && Training.Optimizer == "sgd" && Mode == "sync" && spec.ParameterCount >= AutoShardedMinParameters));

    /// <summary>
    /// Defaults for a job on the built-in corpus: its 48-word language needs a smaller model and fewer
    /// epochs than PTB, so the main command finishes in well under a minute close to the optimum.
    /// </summary>
    public static JobDefinition BuiltinCorpusDefaults { get; } = new()
    {
        Model = ModelSpec.Default with { Hidden = 128 },
        Training = new TrainingOptions { Epochs = 3, DecayAfter = 1 },
    };

    /// <summary>This job with its architecture changed, e.g. <c>job.WithModel(m =&gt; m with { Hidden = 64 })</c>.</summary>
    public JobDefinition WithModel(Func<ModelSpec, ModelSpec> change) => this with { Model = change(Model) };

    /// <summary>This job with its hyperparameters changed, e.g. <c>job.WithTraining(t =&gt; t with { Epochs = 3 })</c>.</summary>
    public JobDefinition WithTraining(Func<TrainingOptions, TrainingOptions> change) => this with { Training = change(Training) };

    /// <summary>
    /// The job's architecture with the corpus's vocabulary size (and a classifier's <paramref name="classes"/>;
    /// a recurrent classifier reads up to <c>--bptt</c> words of a document).
    /// </summary>
    public ModelSpec ToModelSpec(int vocabSize, int classes = 0) => Model with
    {
        VocabSize = vocabSize,
        Classes = classes,
        MaxWords = classes > 0 && Model.Cell != CellType.Bow ? Training.Bptt : 0,
    };

    /// <summary>
    /// A language model's architecture for <paramref name="vocabulary"/>: its size, and for the
    /// character-aware model the spellings of its words (<see cref="ModelSpec.WithSpellings"/>).
    /// </summary>
    public ModelSpec ToModelSpec(Text.Vocabulary vocabulary) => ToModelSpec(vocabulary.Count).WithSpellings(vocabulary.Tokens);

    /// <summary>Checks every field that does not need the corpus; throws ArgumentException naming the flag.</summary>
    public void Validate()
    {
        Training.Validate();
        if (!Tasks.Contains(Task))
        {
            throw new ArgumentException($"--task {Text.QuotedText.Quote(Task)}: expected lm, classify or cbow");
        }

        ValidateTask();
        ToModelSpec(2, Classify ? 2 : 0).Validate(); // a cbow job's --layers/--dropout are checked here too
        if (Tokens is not ("word" or "char"))
        {
            throw new ArgumentException($"--tokens {Text.QuotedText.Quote(Tokens)}: expected word or char");
        }

        if (Tokens == "char" && Model.Cell == CellType.CharLstm)
        {
            throw new ArgumentException("--tokens char with --model char-lstm would spell one-character tokens: the character-aware model reads words (--tokens word); a character language model is --tokens char --model lstm");
        }

        if (!Modes.Contains(Mode))
        {
            throw new ArgumentException($"--mode {Text.QuotedText.Quote(Mode)}: expected {string.Join(", ", Modes)}");
        }

        _ = Compression; // throws naming --compress

        // Fields of one mode set in another (a job file's, the flags are refused before this) would be ignored silently.
        var defaults = new JobDefinition();
        if (!LocalSgd && SyncEvery != defaults.SyncEvery)
        {
            throw new ArgumentException($"--sync-every {SyncEvery} applies to --mode local-sgd only (this job's mode is {Mode})");
        }

        if (!LocalSgd && WarmupSyncSteps != defaults.WarmupSyncSteps)
        {
            throw new ArgumentException($"--warmup-sync-steps {WarmupSyncSteps} applies to --mode local-sgd only (this job's mode is {Mode})");
        }

        if (!Async && MaxStaleness != defaults.MaxStaleness)
        {
            throw new ArgumentException($"--max-staleness {MaxStaleness} applies to --mode async only (this job's mode is {Mode})");
        }

        if (MaxStaleness is < 0 or > 1000)
        {
            throw new ArgumentException($"--max-staleness {MaxStaleness} must be between 0 and 1000");
        }

        if (Async && Training.Optimizer != "sgd")
        {
            throw new ArgumentException($"--mode async needs --optimizer sgd (each worker's gradient is applied alone; {Training.Optimizer}'s state would see every partial as a step)");
        }

        if (Async && PsPlacement == "workers")
        {
            throw new ArgumentException("--mode async applies gradients on one server: use --ps-placement coordinator or auto");
        }

        if (SyncEvery is < 1 or > 100_000)
        {
            throw new ArgumentException($"--sync-every {SyncEvery} must be between 1 and 100000");
        }

        if (WarmupSyncSteps < 0)
        {
            throw new ArgumentException($"--warmup-sync-steps {WarmupSyncSteps} must be >= 0");
        }

        if (LocalSgd && Training.Optimizer != "sgd")
        {
            throw new ArgumentException($"--mode local-sgd needs --optimizer sgd (the workers' {Training.Optimizer} state is not averaged yet)");
        }

        if (LocalSgd && PsPlacement == "workers")
        {
            throw new ArgumentException("--mode local-sgd averages weights on one server: use --ps-placement coordinator or auto");
        }

        if (!PsPlacements.Contains(PsPlacement))
        {
            throw new ArgumentException($"--ps-placement {Text.QuotedText.Quote(PsPlacement)}: expected {string.Join(", ", PsPlacements)}");
        }

        if (PsPlacement == "workers" && Training.Optimizer != "sgd")
        {
            throw new ArgumentException($"--ps-placement workers needs --optimizer sgd ({Training.Optimizer} keeps optimizer state that key ranges do not shard yet); use --ps-placement coordinator");
        }

        if (MaxVocab is < 0 or 1)
        {
            throw new ArgumentException($"--max-vocab {MaxVocab} must be 0 (no limit) or at least 2");
        }

        if (Workers < 0)
        {
            throw new ArgumentException($"--workers {Workers} must be >= 0 (0: every worker that is up)");
        }

        if (MinCount < 1)
        {
            throw new ArgumentException($"--min-count {MinCount} must be >= 1");
        }

        if (KeepBest && Out is null)
        {
            throw new ArgumentException("--keep-best needs --out: the file the best epoch's model is written to");
        }

        if (BuiltinTrainTokens is < MinBuiltinTokens or > MaxBuiltinTokens)
        {
            throw new ArgumentException($"--builtin-train-tokens {BuiltinTrainTokens} must be between {MinBuiltinTokens:N0} and {MaxBuiltinTokens:N0}");
        }

        if (BuiltinValidTokens is < MinBuiltinTokens or > MaxBuiltinTokens)
        {
            throw new ArgumentException($"--builtin-valid-tokens {BuiltinValidTokens} must be between {MinBuiltinTokens:N0} and {MaxBuiltinTokens:N0}");
        }

        if (CheckpointEvery < 0)
        {
            throw new ArgumentException($"--checkpoint-every {CheckpointEvery} must be >= 0 (0: epoch ends only)");
        }
    }

    /// <summary>What a classification or CBOW job needs and a language model's must not have.</summary>
    private void ValidateTask()
    {
        var defaults = DefaultsFor(Task);
        if (!Embeddings && (Window != defaults.Window || Negative != defaults.Negative || Subsample != defaults.Subsample))
        {
            throw new ArgumentException($"{(Window != defaults.Window ? "--window" : Negative != defaults.Negative ? "--negative" : "--subsample")} applies to --task cbow only (this job's task is {Task})");
        }

        if (Embeddings != (Model.Cell == CellType.Cbow))
        {
            throw new ArgumentException(Embeddings
                ? $"--task cbow trains word embeddings; --model {Model.Cell.Name()} is for --task {(Model.Cell == CellType.Bow ? "classify" : "lm")}"
                : "--model cbow is the word-embedding model: use it with --task cbow");
        }

        if (Embeddings)
        {
            Cbow.Validate();
            if (Corpus is null)
            {
                throw new ArgumentException("--task cbow needs --corpus: a text file with one sentence a line, or a directory with train/valid files");
            }

            if (Tokens != "word" || Split is not null || Test is not null || MaxVocab != 0)
            {
                throw new ArgumentException($"--task cbow reads words (one sentence a line) and --min-count only; {(Tokens != "word" ? "--tokens" : Split is not null ? "--split" : Test is not null ? "--test" : "--max-vocab")} is for other tasks");
            }

            var cbow = CbowDefaults;
            var unused = new (bool Set, string Flag)[]
            {
                (Model.Layers != cbow.Model.Layers, "--layers"),
                (Model.Dropout != cbow.Model.Dropout, "--dropout"),
                (Model.TieWeights, "--tie-weights"),
                (Model.ForgetBias != cbow.Model.ForgetBias, "--forget-bias"),
                (Training.Bptt != cbow.Training.Bptt, "--bptt"),
                (Training.EvalBatch != cbow.Training.EvalBatch, "--eval-batch"),
                (BuiltinTrainTokens != cbow.BuiltinTrainTokens, "--builtin-train-tokens"),
                (BuiltinValidTokens != cbow.BuiltinValidTokens, "--builtin-valid-tokens"),
            }.FirstOrDefault(u => u.Set);
            if (unused.Set)
            {
                throw new ArgumentException($"{unused.Flag} does not apply to --task cbow (one averaged hidden layer of --hidden units over --corpus: no recurrence, no dropout, no built-in corpus)");
            }

            if (Training.Optimizer != "sgd")
            {
                throw new ArgumentException($"--optimizer {Training.Optimizer}: --task cbow trains with plain SGD (word2vec's), whose sparse row updates are what make it fast");
            }

            return;
        }

        if (!Classify)
        {
            if (Split is not null)
            {
                throw new ArgumentException($"--split {Split} applies to --task classify only (a language model's --valid defaults to the last 10% of the text)");
            }

            if (Corpus is null && (MaxVocab != 0 || MinCount != 1))
            {
                throw new ArgumentException($"{(MaxVocab != 0 ? $"--max-vocab {MaxVocab}" : $"--min-count {MinCount}")} applies to a --corpus: the built-in corpus's grammar has a fixed vocabulary");
            }

            // Fields a language model of this kind would ignore without a word.
            var lm = new JobDefinition();
            var unused = new (bool Set, string Flag, string Why)[]
            {
                (Corpus is null && Valid is not null, "--valid", "the built-in corpus makes its own validation text (--builtin-valid-tokens); give --corpus with it"),
                (Corpus is null && Test is not null, "--test", "the built-in corpus has no test text; give --corpus with it"),
                (Model.Cell is not (CellType.Lstm or CellType.CharLstm) && Model.ForgetBias != lm.Model.ForgetBias, "--forget-bias", $"it is the LSTM's forget-gate bias, and --model {Model.Cell.Name()} has none"),
            }.FirstOrDefault(u => u.Set);
            if (unused.Set)
            {
                throw new ArgumentException($"{unused.Flag} does not apply here: {unused.Why}");
            }

            return;
        }

        if (Corpus is null)
        {
            throw new ArgumentException("--task classify needs --corpus: a labelled file (fastText's __label__NAME text, or label<TAB>text), or a directory with train/valid/test files");
        }

        if (Tokens != "word")
        {
            throw new ArgumentException($"--task classify reads words; --tokens {Tokens} is for language models");
        }

        var classify = ClassifyDefaults;
        var ignored = new (bool Set, string Flag, string Why)[]
        {
            (Model.Cell == CellType.Bow && Training.Bptt != classify.Training.Bptt, "--bptt", "the bag of words reads whole documents; --bptt is a recurrent classifier's words per document"),
            (Model.Cell != CellType.Lstm && Model.ForgetBias != classify.Model.ForgetBias, "--forget-bias", "it is the LSTM's forget-gate bias"),
            (Training.EvalBatch != classify.Training.EvalBatch, "--eval-batch", "documents are scored in batches of their own"),
            (BuiltinTrainTokens != classify.BuiltinTrainTokens, "--builtin-train-tokens", "a classifier reads labelled --corpus files"),
            (BuiltinValidTokens != classify.BuiltinValidTokens, "--builtin-valid-tokens", "a classifier reads labelled --corpus files"),
        }.FirstOrDefault(u => u.Set);
        if (ignored.Set)
        {
            throw new ArgumentException($"{ignored.Flag} does not apply to a --model {Model.Cell.Name()} classifier: {ignored.Why}");
        }

        _ = DataSplit; // throws naming --split
    }

    /// <summary>
    /// Checks before any training that <see cref="Out"/> and <see cref="CheckpointDir"/> can be written
    /// (see <see cref="OutputPath"/>); the process that will write them calls it.
    /// </summary>
    /// <exception cref="ArgumentException">Naming the flag of a path that cannot be written.</exception>
    /// <summary>
    /// <see cref="Validate"/>, then what the cluster does not do yet: its validation runs beside the
    /// next epoch's training, so neither a rate that waits for it nor a best-epoch model is available.
    /// </summary>
    /// <exception cref="ArgumentException">Naming the flag.</exception>
    public void ValidateForCluster()
    {
        Validate();
        if (Classify || Embeddings)
        {
            // The cluster trains them synchronously on one parameter server so far.
            var unsupported = Mode != "sync" ? $"--mode {Mode}"
                : PsPlacement == "workers" ? "--ps-placement workers"
                : Compress != "none" ? $"--compress {Compress}"
                : null;
            if (unsupported is not null)
            {
                throw new ArgumentException($"{unsupported} is not supported for --task {Task} on the cluster yet: it trains in sync mode on one parameter server (the coordinator); leave {unsupported.Split(' ')[0]} out");
            }
        }

        if (Training.DecayOnPlateau > 0)
        {
            throw new ArgumentException($"--decay-on-plateau {Training.DecayOnPlateau} is supported by `train` only so far (the cluster validates while the next epoch trains); give --decay-on-plateau 0 for a fixed schedule (--decay-after N), or train in one process");
        }

        if (KeepBest)
        {
            throw new ArgumentException("--keep-best true is supported by `train` only so far; in the cluster use --checkpoint-dir, which keeps every epoch's model (--keep-best false runs a job file that asks for it)");
        }
    }

    /// <summary>
    /// This job with its file and directory paths made absolute (against the current directory), as a
    /// checkpoint records them: a run resumed from another directory reads and writes the same files.
    /// </summary>
    public JobDefinition WithAbsolutePaths() => this with
    {
        Corpus = Absolute(Corpus),
        Valid = Absolute(Valid),
        Test = Absolute(Test),
        Out = Absolute(Out),
        CheckpointDir = Absolute(CheckpointDir),
    };

    private static string? Absolute(string? path) => string.IsNullOrWhiteSpace(path) ? path : Path.GetFullPath(path);

    public void CheckOutputPaths()
    {
        if (Out is { } output && InputFiles().Any(input => FileKind.SameFile(input, output)))
        {
            throw new ArgumentException($"--out {output}: is one of the job's input files; the model would overwrite the text it trains on");
        }

        OutputPath.CheckFile(Out, "--out");
        OutputPath.CheckDirectory(CheckpointDir, "--checkpoint-dir");
    }

    /// <summary>The text files the job reads (those a corpus directory holds among them).</summary>
    private IEnumerable<string> InputFiles()
    {
        if (Corpus is { } corpus && Directory.Exists(corpus))
        {
            try
            {
                var found = Text.CorpusFiles.Discover(corpus);
                return new[] { found.Train, found.Valid, found.Test, Valid, Test }.OfType<string>();
            }
            catch (Text.CorpusException)
            {
                // reported when the corpus is loaded
            }
        }

        return new[] { Corpus, Valid, Test }.OfType<string>();
    }

    /// <summary>The flat job file (snake_case flag names, nulls left out).</summary>
    public string ToJson() => JobFileJson.Write(this);

    /// <summary>Reads a job file: fields not given take their defaults.</summary>
    /// <exception cref="ArgumentException">When the text is not a JSON object, names an unknown field or holds a value of the wrong kind.</exception>
    public static JobDefinition FromJson(string json, string? task = null) => JobFileJson.Read(json, task);
}
