using System.Text.Json.Serialization;

namespace RnnCluster.Core.Models;

/// <summary>
/// The architecture of a model: everything needed to rebuild its parameter layout. In a job file its
/// fields are the flags' names (<c>model</c> for <see cref="Cell"/>); the vocabulary size (and a
/// classifier's class count) comes from the data.
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
    /// <summary>The most classes a classifier may have.</summary>
    public const int MaxClasses = 100_000;

    /// <summary>
    /// K, the classes of a document classifier (<c>--task classify</c>): its softmax is over K classes,
    /// not the vocabulary. 0 for a language model. Set from the training data, never from a job file.
    /// </summary>
    [JsonIgnore]
    public int Classes { get; init; }

    /// <summary>
    /// A recurrent classifier reads at most this many words of a document (its first ones; <c>--bptt</c>
    /// of a classify job): the longest window of its recurrent layers. 0 for the other models.
    /// </summary>
    [JsonIgnore]
    public int MaxWords { get; init; }

    /// <summary>
    /// Weight tying (<c>--tie-weights</c>; Press &amp; Wolf, EACL 2017; Inan et al., ICLR 2017): the
    /// softmax's output weights are the input embedding itself, one (V, H) matrix used as
    /// logits = h·Eᵀ + b, so the model has V·H fewer parameters and the embedding's gradient is dense
    /// (every row gets the softmax's part). Language models only.
    /// </summary>
    public bool TieWeights { get; init; }

    /// <summary>
    /// The spellings of the vocabulary's words, for the character-aware model (<see cref="CellType.CharLstm"/>;
    /// null for every other model). Set from the vocabulary (<see cref="WithSpellings"/>), never from a
    /// job file: a checkpoint and a worker's assignment carry the vocabulary and derive it again.
    /// </summary>
    [JsonIgnore]
    public WordSpellings? Spellings { get; init; }

    /// <summary>True for the character-aware language model (<see cref="CellType.CharLstm"/>).</summary>
    [JsonIgnore]
    public bool IsCharacterAware => Cell == CellType.CharLstm;

    /// <summary>
    /// This spec with the spellings of <paramref name="vocabulary"/> when it is character-aware (else
    /// unchanged): what every place that pairs a spec with its vocabulary calls.
    /// </summary>
    public ModelSpec WithSpellings(IReadOnlyList<string> vocabulary) => IsCharacterAware
        ? this with { Spellings = WordSpellings.From(vocabulary, CharacterWordEncoder.MaxWidth) }
        : this;

    /// <summary>True for CBOW word embeddings (<see cref="CellType.Cbow"/>).</summary>
    [JsonIgnore]
    public bool IsEmbedding => Cell == CellType.Cbow;

    /// <summary>True for a document classifier (<see cref="Classes"/> &gt; 0).</summary>
    [JsonIgnore]
    public bool IsClassifier => Classes > 0;

    /// <summary>The softmax's width: K classes for a classifier, else the vocabulary V.</summary>
    [JsonIgnore]
    public int Outputs => IsClassifier ? Classes : VocabSize;

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
            long v = VocabSize, h = Hidden, width = Cell.Gates() * h, outputs = Outputs;
            if (Cell == CellType.Cbow)
            {
                return 2 * v * h;
            }

            var layers = Cell == CellType.Bow ? Layers * ((h * h) + h) : Layers * ((2 * h * width) + (2 * width));
            if (IsCharacterAware)
            {
                // No word embedding: the encoder, and a first layer reading D features instead of H.
                var encoder = CharacterWordEncoder.ParameterCount(Spellings?.Symbols ?? 3);
                return encoder + layers + ((CharacterWordEncoder.Features - h) * width) + (h * outputs) + outputs;
            }

            return (v * h) + layers + (TieWeights ? 0 : h * outputs) + outputs;
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (VocabSize < 2)
        {
            throw new ArgumentException($"vocabulary size {VocabSize} is too small (need at least 2 symbols)");
        }

        if (Classes is < 0 or > MaxClasses || (IsClassifier && Classes < 2))
        {
            throw new ArgumentException($"a classifier needs between 2 and {MaxClasses:N0} classes, not {Classes}");
        }

        var recurrentClassifier = IsClassifier && Cell != CellType.Bow;
        if (recurrentClassifier ? MaxWords is < 1 or > 100_000 : MaxWords != 0)
        {
            throw new ArgumentException(recurrentClassifier
                ? $"a recurrent classifier reads 1 to 100000 words of a document (--bptt), not {MaxWords}"
                : $"only a recurrent classifier has a words-per-document limit, not a {Cell.Name()} {(IsClassifier ? "classifier" : "language model")} ({MaxWords})");
        }

        if (TieWeights && IsClassifier)
        {
            throw new ArgumentException("--tie-weights applies to language models only: a classifier's softmax is over its classes, not the vocabulary its embedding has");
        }

        if (IsCharacterAware && (IsClassifier || TieWeights))
        {
            throw new ArgumentException(IsClassifier
                ? "--model char-lstm is a language model (--task lm): it spells the words it predicts"
                : "--tie-weights does not apply to --model char-lstm: it has no word embedding to share with the softmax");
        }

        if (Spellings is { } spellings && (!IsCharacterAware || spellings.Words != VocabSize))
        {
            throw new ArgumentException(IsCharacterAware
                ? $"the spellings cover {spellings.Words} words, the vocabulary has {VocabSize}"
                : $"only --model char-lstm spells its words, not a {Cell.Name()} model");
        }

        if (Cell == CellType.Bow && !IsClassifier)
        {
            throw new ArgumentException("--model bow is the bag-of-words document classifier: use it with --task classify");
        }

        if (Cell == CellType.Cbow && (IsClassifier || TieWeights || Layers != 1 || Dropout != 0))
        {
            throw new ArgumentException("a CBOW model (--task cbow) has one hidden layer (--hidden, the vectors' size), no dropout, no classes and untied input and output vectors");
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
