using System.Text.Json.Serialization;

namespace RnnCluster.Core.Training;

/// <summary>
/// Hyperparameters of a training run; defaults are Zaremba et al.'s small configuration. These are the
/// only defaults of the training flags: a job (<see cref="JobDefinition.Training"/>) holds one of these,
/// and in a job file its fields are the flags' names in snake_case (<c>lr</c> for the learning rate).
/// </summary>
public sealed record TrainingOptions
{
    public int Batch { get; init; } = 20;

    public int Bptt { get; init; } = 20;

    [JsonPropertyName("lr")]
    public float LearningRate { get; init; } = 1f;

    public float Decay { get; init; } = 0.5f;

    public int DecayAfter { get; init; } = 4;

    /// <summary>
    /// When &gt; 0, the learning rate follows the validation set instead of <see cref="DecayAfter"/>:
    /// after each epoch whose validation perplexity fell by less than this many points from the
    /// previous epoch's (or rose), it is multiplied by <see cref="Decay"/> (Kim et al. 2016: 1.0 and
    /// 0.5; Mikolov's RNN LM halves the same way). 0: the fixed schedule.
    /// </summary>
    public double DecayOnPlateau { get; init; }

    public float Clip { get; init; } = 5f;

    public int Epochs { get; init; } = 13;

    public ulong Seed { get; init; } = 1;

    /// <summary>Stop after this many steps in all (0: no limit).</summary>
    public long MaxSteps { get; init; }

    public string Optimizer { get; init; } = "sgd";

    public float Momentum { get; init; } = 0.9f;

    /// <summary>Streams used for validation and test perplexity (state carried across windows).</summary>
    public int EvalBatch { get; init; } = 10;

    /// <summary>The most compute threads a process (or worker) may be given.</summary>
    public const int MaxThreads = 256;

    /// <summary>Threads of a process computing gradients (0: every core).</summary>
    public int Threads { get; init; }

    /// <summary>Stream groups G, the unit of gradient work (0: one per thread, or 4 with <see cref="Deterministic"/>).</summary>
    public int StreamGroups { get; init; }

    /// <summary>
    /// Bitwise-reproducible gradients: a fixed number of stream groups, single-threaded GEMMs and a
    /// fixed summation tree, so any thread or worker count gives the same weights.
    /// </summary>
    public bool Deterministic { get; init; }

    /// <summary>Stream groups when <see cref="StreamGroups"/> is 0: 4 (deterministic) or one per thread, at most B.</summary>
    public int EffectiveStreamGroups(int threads)
        => Math.Min(Batch, StreamGroups > 0 ? StreamGroups : Deterministic ? 4 : Math.Max(1, threads));

    [JsonIgnore]
    public LearningRateSchedule Schedule => new(LearningRate, Decay, DecayAfter, DecayOnPlateau);

    public void Validate()
    {
        Require(Batch is >= 1 and <= 100_000, $"--batch {Batch} must be between 1 and 100000");
        Require(Bptt is >= 1 and <= 10_000, $"--bptt {Bptt} must be between 1 and 10000");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), $"--lr {LearningRate} must be a positive finite number");
        Require(Decay > 0 && Decay <= 1, $"--decay {Decay} must be in (0, 1]");
        Require(DecayAfter >= 0, $"--decay-after {DecayAfter} must be >= 0");
        Require(DecayOnPlateau is >= 0 and <= 1e6, $"--decay-on-plateau {DecayOnPlateau} must be between 0 (off) and 1000000 perplexity points");
        Require(Clip >= 0 && float.IsFinite(Clip), $"--clip {Clip} must be a finite number >= 0 (0 disables clipping)");
        Require(Epochs >= 1, $"--epochs {Epochs} must be >= 1");
        Require(MaxSteps >= 0, $"--max-steps {MaxSteps} must be >= 0");
        RequireThreads(Threads);
        Require(StreamGroups >= 0 && StreamGroups <= Batch, $"--stream-groups {StreamGroups} must be between 0 (automatic) and the batch ({Batch})");
        Require(EvalBatch is >= 1 and <= 100_000, $"--eval-batch {EvalBatch} must be between 1 and 100000");
        Require(Momentum is >= 0 and < 1, $"--momentum {Momentum} must be in [0, 1)");
        Require(Optimizers.Names.Contains(Optimizer), $"--optimizer {Text.QuotedText.Quote(Optimizer)}: expected {string.Join(", ", Optimizers.Names)}");
    }

    /// <summary>Checks a <c>--threads</c> value (jobs, nodes, eval) against 0..<see cref="MaxThreads"/>.</summary>
    /// <exception cref="ArgumentException">Naming the flag when it is outside that range.</exception>
    public static void RequireThreads(int threads)
        => Require(threads is >= 0 and <= MaxThreads, $"--threads {threads} must be between 0 (all cores) and {MaxThreads}");

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
