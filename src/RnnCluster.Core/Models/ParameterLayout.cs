namespace RnnCluster.Core.Models;

/// <summary>A named slice of the flat parameter vector: rows × cols floats from Offset, row-major.</summary>
public sealed record ParameterTensor(string Name, int Offset, int Rows, int Cols)
{
    public int Length => checked(Rows * Cols);

    public Span<float> Of(float[] flat) => flat.AsSpan(Offset, Length);
}

/// <summary>
/// Names every tensor of a model inside one contiguous float vector. Gradients, momentum and Adam
/// moments use the same layout, so update, clipping and serialization are single passes.
/// </summary>
public sealed class ParameterLayout
{
    private readonly List<ParameterTensor> _tensors = [];
    private readonly Dictionary<string, ParameterTensor> _byName = new(StringComparer.Ordinal);

    public int Size { get; private set; }

    /// <summary>
    /// The floats at the start of the vector that are embedding rows whose gradient is sparse (only the
    /// rows of a step's input tokens are non-zero): the embedding's length, or 0 under
    /// <see cref="ModelSpec.TieWeights"/>, whose embedding gradient is dense (the softmax's part
    /// reaches every row). Gradient supports, key ranges and weight deltas treat the rest as dense.
    /// </summary>
    public int SparseRowsLength { get; private set; }

    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    public ParameterTensor this[string name] => _byName.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"no parameter tensor named '{name}'");

    public ParameterTensor Add(string name, int rows, int cols)
    {
        var tensor = new ParameterTensor(name, Size, rows, cols);
        _tensors.Add(tensor);
        _byName.Add(name, tensor);
        Size = checked(Size + tensor.Length);
        return tensor;
    }

    /// <summary>
    /// The layout of a model spec: embedding, each layer's weights, then the softmax. Every layer has an
    /// input bias b and a recurrent bias b_h, as cuDNN and PyTorch do: for RNN and LSTM only their sum
    /// enters the forward pass, but both are initialised and trained, so training dynamics (and the
    /// parameter count) match those implementations. A classifier's softmax is over its K classes; a
    /// bag-of-words classifier (<see cref="CellType.Bow"/>) has, instead of recurrent layers,
    /// <c>Layers</c> tanh layers <c>hidden{l}.w</c> (H, H) and <c>hidden{l}.b</c> (1, H). Under
    /// <see cref="ModelSpec.TieWeights"/> there is no <c>softmax.w</c>: the embedding (V, H) serves.
    /// CBOW (<see cref="CellType.Cbow"/>) has the input vectors <c>embedding</c> (V, d) and the output
    /// vectors <c>output</c> (V, d), both in <see cref="SparseRowsLength"/>. The character-aware model
    /// (<see cref="CellType.CharLstm"/>) has no word embedding: <see cref="CharacterWordEncoder"/>'s tensors
    /// come first, its first layer's <c>w_x</c> is (D, 4H), and nothing is sparse.
    /// </summary>
    public static ParameterLayout For(ModelSpec spec)
    {
        var layout = new ParameterLayout();
        var h = spec.Hidden;
        if (spec.Cell == CellType.Cbow)
        {
            layout.Add("embedding", spec.VocabSize, h);
            layout.Add("output", spec.VocabSize, h);
            layout.SparseRowsLength = layout.Size; // both are sparse in rows: a step touches its context, centre and negative words
            return layout;
        }

        var width = spec.Cell.Gates() * h;
        var inputWidth = h; // of the first layer
        if (spec.IsCharacterAware)
        {
            var spellings = spec.Spellings
                ?? throw new ArgumentException("a char-lstm model's layout needs its vocabulary's spellings (ModelSpec.WithSpellings)");
            CharacterWordEncoder.AddTensors(layout, spellings.Symbols); // dense: SparseRowsLength stays 0
            inputWidth = CharacterWordEncoder.Features;
        }
        else
        {
            var embedding = layout.Add("embedding", spec.VocabSize, h);
            layout.SparseRowsLength = spec.TieWeights ? 0 : embedding.Length;
        }

        for (var l = 0; l < spec.Layers; l++)
        {
            if (spec.Cell == CellType.Bow)
            {
                layout.Add($"hidden{l}.w", h, h);
                layout.Add($"hidden{l}.b", 1, h);
                continue;
            }

            layout.Add($"layer{l}.w_x", l == 0 ? inputWidth : h, width);
            layout.Add($"layer{l}.w_h", h, width);
            layout.Add($"layer{l}.b", 1, width);
            layout.Add($"layer{l}.b_h", 1, width);
        }

        if (!spec.TieWeights)
        {
            layout.Add("softmax.w", h, spec.Outputs);
        }

        layout.Add("softmax.b", 1, spec.Outputs);
        return layout;
    }
}
