using System.Text.Json.Serialization;

namespace RnnCluster.Core.Models;

/// <summary>
/// The architecture of a language model: everything needed to rebuild its parameter layout. In a job
/// file its fields are the flags' names (<c>model</c> for <see cref="Cell"/>); the vocabulary size comes
/// from the corpus.
/// </summary>
public sealed record ModelSpec(
    [property: JsonPropertyName("model")] CellType Cell,
    int VocabSize,
    int Layers,
    int Hidden,
    float Dropout = 0f,
    float InitScale = 0.1f,
    float ForgetBias = 0f)
{
    /// <summary>Every weight lives in one float array, so the model must fit one .NET array comfortably.</summary>
    public const long MaxParameters = 500_000_000;

    /// <summary>
    /// The default architecture of a job: Zaremba et al.'s small configuration, 2 LSTM layers of 200
    /// units; the vocabulary size is 0 until a corpus sets it.
    /// </summary>
    public static ModelSpec Default { get; } = new(CellType.Lstm, 0, 2, 200);

    /// <summary>The size of <see cref="ParameterLayout.For"/>, computed without overflow.</summary>
    [JsonIgnore]
    public long ParameterCount
    {
        get
        {
            long v = VocabSize, h = Hidden, width = Cell.Gates() * h;
            return (2 * v * h) + v + (Layers * ((2 * h * width) + (2 * width)));
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (VocabSize < 2)
        {
            throw new ArgumentException($"vocabulary size {VocabSize} is too small (need at least 2 symbols)");
        }

        if (Layers < 1 || Layers > 16)
        {
            throw new ArgumentException($"--layers {Layers} is out of range (1..16)");
        }

        if (Hidden < 1 || Hidden > 8192)
        {
            throw new ArgumentException($"--hidden {Hidden} is out of range (1..8192)");
        }

        if (Dropout is < 0f or >= 1f || float.IsNaN(Dropout))
        {
            throw new ArgumentException($"--dropout {Dropout} must be in [0, 1)");
        }

        if (!float.IsFinite(ForgetBias) || Math.Abs(ForgetBias) > 100)
        {
            throw new ArgumentException($"--forget-bias {ForgetBias} must be between -100 and 100 (a sigmoid saturates long before)");
        }

        if (ParameterCount > MaxParameters)
        {
            throw new ArgumentException($"the model would have {ParameterCount:N0} parameters; the limit is {MaxParameters:N0} (reduce --hidden, --layers or the vocabulary)");
        }

        if (InitScale is <= 0f or > 10f || float.IsNaN(InitScale))
        {
            throw new ArgumentException($"--init-scale {InitScale} must be in (0, 10]");
        }
    }
}
