using System.Text.Json;
using System.Text.Json.Serialization;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Training;

/// <summary>
/// Everything a training job is given: the job flags of the CLI, with the same snake_case names in a
/// JSON job file. Shared by single-process <c>train</c> and cluster jobs.
/// </summary>
public sealed record JobDefinition
{
    /// <summary>Training text file or a directory holding train/valid/test files; null: the built-in corpus.</summary>
    public string? Corpus { get; init; }

    public string? Valid { get; init; }

    public string? Test { get; init; }

    public string Tokens { get; init; } = "word";

    public int MaxVocab { get; init; }

    public int MinCount { get; init; } = 1;

    public string Model { get; init; } = "lstm";

    public int Layers { get; init; } = 2;

    public int Hidden { get; init; } = 200;

    public int Batch { get; init; } = 20;

    public int Bptt { get; init; } = 20;

    public float Lr { get; init; } = 1f;

    public float Decay { get; init; } = 0.5f;

    public int DecayAfter { get; init; } = 4;

    public float Clip { get; init; } = 5f;

    public int Epochs { get; init; } = 13;

    public float Dropout { get; init; }

    public float InitScale { get; init; } = 0.1f;

    public float ForgetBias { get; init; }

    public ulong Seed { get; init; } = 1;

    public long MaxSteps { get; init; }

    public string Optimizer { get; init; } = "sgd";

    public float Momentum { get; init; } = 0.9f;

    /// <summary>sync | async | local-sgd (cluster jobs).</summary>
    public string Mode { get; init; } = "sync";

    /// <summary>
    /// Where a cluster job's parameter server lives: <c>coordinator</c> (one server holding every
    /// weight), <c>workers</c> (sharded: every worker node serves one key range) or <c>auto</c>
    /// (workers with SGD, whose key ranges hold no optimizer state; coordinator otherwise).
    /// </summary>
    public string PsPlacement { get; init; } = "auto";

    /// <summary>Workers a cluster job waits for before it starts (0: whatever is up).</summary>
    public int Workers { get; init; }

    /// <summary>GEMM threads per process (per worker in a cluster).</summary>
    public int Threads { get; init; }

    /// <summary>Stream groups G, the unit of gradient work (0: one per thread, or 4 when deterministic).</summary>
    public int StreamGroups { get; init; }

    /// <summary>Bitwise-reproducible training for any thread or worker count (see <see cref="TrainingOptions.Deterministic"/>).</summary>
    public bool Deterministic { get; init; }

    public string? Out { get; init; }

    public string? CheckpointDir { get; init; }

    public int CheckpointEvery { get; init; }

    public int EvalBatch { get; init; } = 10;

    /// <summary>Built-in corpus sizes, used when <see cref="Corpus"/> is null.</summary>
    public int BuiltinTrainTokens { get; init; } = 200_000;

    public int BuiltinValidTokens { get; init; } = 20_000;

    public static readonly string[] Modes = ["sync", "async", "local-sgd"];

    /// <summary>The most compute threads a process (or worker) may be given.</summary>
    public const int MaxThreads = 256;

    public static readonly string[] PsPlacements = ["auto", "coordinator", "workers"];

    /// <summary>True when the parameter server is sharded over the worker nodes (see <see cref="PsPlacement"/>).</summary>
    [JsonIgnore]
    public bool ShardedParameterServer => PsPlacement == "workers" || (PsPlacement == "auto" && Optimizer == "sgd");

    /// <summary>
    /// Defaults for a job on the built-in corpus: its 48-word language needs a smaller model and fewer
    /// epochs than PTB, so the main command finishes in well under a minute close to the optimum.
    /// </summary>
    public static JobDefinition BuiltinCorpusDefaults { get; } = new() { Hidden = 128, Epochs = 3, DecayAfter = 1 };

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = false,
    };

    public CellType Cell => CellTypes.Parse(Model);

    public ModelSpec ToModelSpec(int vocabSize) => new(Cell, vocabSize, Layers, Hidden, Dropout, InitScale, ForgetBias);

    public TrainingOptions ToTrainingOptions() => new()
    {
        Batch = Batch,
        Bptt = Bptt,
        LearningRate = Lr,
        Decay = Decay,
        DecayAfter = DecayAfter,
        Clip = Clip,
        Epochs = Epochs,
        Seed = Seed,
        MaxSteps = MaxSteps,
        Optimizer = Optimizer,
        Momentum = Momentum,
        EvalBatch = EvalBatch,
        Threads = Threads,
        StreamGroups = StreamGroups,
        Deterministic = Deterministic,
    };

    /// <summary>Checks every field that does not need the corpus; throws ArgumentException naming the flag.</summary>
    public void Validate()
    {
        if (Model.Trim().ToLowerInvariant() is not ("rnn" or "tanh" or "lstm" or "gru"))
        {
            throw new ArgumentException($"--model {Model}: expected rnn, lstm or gru");
        }

        ToTrainingOptions().Validate();
        ToModelSpec(2).Validate();
        if (Tokens is not ("word" or "char"))
        {
            throw new ArgumentException($"--tokens {Tokens}: expected word or char");
        }

        if (!Modes.Contains(Mode))
        {
            throw new ArgumentException($"--mode {Mode}: expected {string.Join(", ", Modes)}");
        }

        if (!PsPlacements.Contains(PsPlacement))
        {
            throw new ArgumentException($"--ps-placement {PsPlacement}: expected {string.Join(", ", PsPlacements)}");
        }

        if (PsPlacement == "workers" && Optimizer != "sgd")
        {
            throw new ArgumentException($"--ps-placement workers needs --optimizer sgd ({Optimizer} keeps optimizer state that key ranges do not shard yet); use --ps-placement coordinator");
        }

        if (MaxVocab is < 0 or 1)
        {
            throw new ArgumentException($"--max-vocab {MaxVocab} must be 0 (no limit) or at least 2");
        }

        if (Workers < 0)
        {
            throw new ArgumentException($"--workers {Workers} must be >= 0 (0: every worker that is up)");
        }

        if (Threads is < 0 or > MaxThreads)
        {
            throw new ArgumentException($"--threads {Threads} must be between 0 (all cores) and {MaxThreads}");
        }

        if (MinCount < 1)
        {
            throw new ArgumentException($"--min-count {MinCount} must be >= 1");
        }

        if (CheckpointEvery < 0)
        {
            throw new ArgumentException($"--checkpoint-every {CheckpointEvery} must be >= 0 (0: epoch ends only)");
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static JobDefinition FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<JobDefinition>(json, Json) ?? throw new ArgumentException("job file is empty");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"job file is not a valid job: {e.Message}", e);
        }
    }
}
