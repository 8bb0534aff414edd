using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Models;

/// <summary>
/// Embedding → stacked recurrent layers → softmax, over windows of up to MaxSteps × MaxBatch tokens
/// (the character-aware model: the words' <see cref="CharacterWordEncoder"/> instead of the embedding).
/// Weights and gradients are single flat vectors described by <see cref="Layout"/>; all activations
/// live in a workspace allocated here once, so a training step allocates nothing.
/// </summary>
public sealed class LanguageModel
{
    private readonly RecurrentLayer[] _layers;
    private readonly Dropout[] _dropouts;   // site l feeds layer l; site L feeds the softmax
    private readonly float[][] _inputs;     // (T·B, D) at site 0, (T·B, H) at the others; after dropout
    private readonly float[][] _dInputs;    // the same shapes
    private readonly float[] _embedded;     // (T·B, D): D = H, or the encoder's features
    private readonly SoftmaxLoss _softmax;
    private readonly ParameterTensor? _embedding;     // (V, H); null for the character-aware model
    private readonly CharacterWordEncoder? _encoder;  // the character-aware model's word features
    private readonly int _inputWidth;       // D
    private readonly int[] _inputIds;
    private readonly bool[] _rowDirty;     // (V): embedding gradient row may be non-zero
    private readonly List<int> _dirtyRows = [];
    private int _steps;
    private int _batch;
    private bool _softmaxGradientCleared;

    /// <summary>
    /// Checks that the activations of <paramref name="batch"/> streams × <paramref name="steps"/> time
    /// steps fit in arrays: the (T·B, V) logits and the (T·B, 4H) gates must each stay within
    /// <see cref="Array.MaxLength"/> floats.
    /// </summary>
    /// <exception cref="ArgumentException">Naming <paramref name="batchFlag"/> and --bptt (and the vocabulary) when they do not.</exception>
    public static void CheckSize(ModelSpec spec, int batch, int steps, string batchFlag = "--batch")
    {
        ArgumentNullException.ThrowIfNull(spec);
        var rows = (long)batch * steps;
        var widest = Math.Max(spec.VocabSize, 4L * spec.Hidden);
        if (spec.Spellings is { } spellings)
        {
            // The encoder's widest buffer per word: the widest convolution's outputs at every position.
            widest = Math.Max(widest, (long)spellings.Length * CharacterWordEncoder.FiltersPerWidth * CharacterWordEncoder.MaxWidth);
        }

        if (batch < 1 || steps < 1 || rows * widest > Array.MaxLength)
        {
            throw new ArgumentException(
                $"{batchFlag} {batch} × --bptt {steps} = {rows:N0} rows of {widest:N0} floats (vocabulary {spec.VocabSize:N0}, hidden {spec.Hidden}{(spec.Spellings is { } s ? $", words spelt in {s.Length} symbols" : string.Empty)}) do not fit in an array of at most {Array.MaxLength:N0}; lower {batchFlag} or --bptt");
        }
    }

    public LanguageModel(ModelSpec spec, int maxBatch, int maxSteps, float[]? weights = null)
    {
        spec.Validate();
        if (spec.IsClassifier)
        {
            throw new ArgumentException($"a {spec.Cell.Name()} classifier of {spec.Classes} classes is not a language model (see Classification.DocumentClassifier)");
        }

        CheckSize(spec, maxBatch, maxSteps);
        Spec = spec;
        MaxBatch = maxBatch;
        MaxSteps = maxSteps;
        Layout = ParameterLayout.For(spec);
        if (weights is not null && weights.Length != Layout.Size)
        {
            throw new ArgumentException($"weights have {weights.Length} floats, the layout needs {Layout.Size}");
        }

        Weights = weights ?? new float[Layout.Size];
        Gradients = new float[Layout.Size];
        var maxRows = maxBatch * maxSteps;
        var h = spec.Hidden;
        _encoder = spec.IsCharacterAware ? new CharacterWordEncoder(spec.Spellings!, Layout, maxRows) : null;
        _embedding = _encoder is null ? Layout["embedding"] : null;
        _inputWidth = _encoder is null ? h : CharacterWordEncoder.Features;
        _layers = new RecurrentLayer[spec.Layers];
        _dropouts = new Dropout[spec.Layers + 1];
        _inputs = new float[spec.Layers + 1][];
        _dInputs = new float[spec.Layers + 1][];
        for (var l = 0; l <= spec.Layers; l++)
        {
            var width = l == 0 ? _inputWidth : h;
            _dropouts[l] = new Dropout(l, width, maxRows);
            _inputs[l] = new float[maxRows * width];
            _dInputs[l] = new float[maxRows * width];
            if (l < spec.Layers)
            {
                _layers[l] = spec.Cell switch
                {
                    CellType.Lstm or CellType.CharLstm => new LstmLayer(spec, Layout, l, maxRows, maxBatch),
                    CellType.Gru => new GruLayer(spec, Layout, l, maxRows, maxBatch),
                    _ => new RnnLayer(spec, Layout, l, maxRows, maxBatch),
                };
            }
        }

        _embedded = new float[maxRows * _inputWidth];
        _softmax = new SoftmaxLoss(spec, Layout, maxRows);
        _inputIds = new int[maxRows];
        _rowDirty = new bool[spec.VocabSize];
    }

    public ModelSpec Spec { get; }

    public ParameterLayout Layout { get; }

    public int MaxBatch { get; }

    public int MaxSteps { get; }

    public float[] Weights { get; }

    public float[] Gradients { get; }

    /// <summary>
    /// Uniform ±InitScale for every parameter, then the optional forget-gate bias (and the character-aware
    /// model's highway transform-gate bias, <see cref="CharacterWordEncoder.TransformGateBias"/>).
    /// </summary>
    public void Initialize(ulong seed)
    {
        var rng = new Rng(seed);
        var scale = Spec.InitScale;
        for (var i = 0; i < Weights.Length; i++)
        {
            Weights[i] = rng.NextFloat(-scale, scale);
        }

        if (_encoder is not null)
        {
            CharacterWordEncoder.InitializeBiases(Layout, Weights);
        }

        if (Spec.Cell.IsLstm() && Spec.ForgetBias != 0f)
        {
            for (var l = 0; l < Spec.Layers; l++)
            {
                var b = Layout[$"layer{l}.b"].Of(Weights);
                b.Slice(Spec.Hidden, Spec.Hidden).Fill(Spec.ForgetBias);
            }
        }
    }

    public ModelState NewState(int batch) => new(Spec, batch);

    /// <summary>
    /// Zeroes <see cref="Gradients"/>: the dense part after the embedding (all of it for the character-aware model) and the embedding rows that
    /// backward passes (or <see cref="MarkEmbeddingRows"/>) may have written since the last call. Code
    /// that writes other embedding rows of the gradient must mark them. The softmax weight gradient
    /// reads as its old value until the next <see cref="Backward"/>, which overwrites it. Tied
    /// (<see cref="ModelSpec.TieWeights"/>): that is the whole embedding gradient, and no rows are tracked.
    /// </summary>
    public void ZeroGradients()
    {
        _softmaxGradientCleared = true;
        if (Spec.TieWeights)
        {
            Array.Clear(Gradients, _embedding!.Length, Gradients.Length - _embedding.Length);
            return;
        }

        // The softmax weight gradient, the largest dense tensor, is not cleared: the next backward
        // overwrites it (GEMM with beta 0) instead of adding to it.
        var softmax = Layout["softmax.w"];
        var sparse = Layout.SparseRowsLength;
        Array.Clear(Gradients, sparse, softmax.Offset - sparse);
        Array.Clear(Gradients, softmax.Offset + softmax.Length, Gradients.Length - softmax.Offset - softmax.Length);
        var h = Spec.Hidden;
        foreach (var id in _dirtyRows)
        {
            Array.Clear(Gradients, id * h, h);
            _rowDirty[id] = false;
        }

        _dirtyRows.Clear();
    }

    /// <summary>
    /// The embedding rows whose gradient may be non-zero (unordered): the input tokens of the backward
    /// passes since <see cref="ZeroGradients"/> and the rows marked with <see cref="MarkEmbeddingRows"/>.
    /// The rest of the embedding gradient is zero. Always empty for tied weights, whose embedding
    /// gradient is dense (<see cref="ParameterLayout.SparseRowsLength"/> is 0).
    /// </summary>
    public IReadOnlyList<int> DirtyEmbeddingRows => _dirtyRows;

    /// <summary>Records that the gradient rows of these token ids may be non-zero (they were written outside a backward pass).</summary>
    public void MarkEmbeddingRows(IEnumerable<int> ids)
    {
        if (_embedding is null || Spec.TieWeights)
        {
            return; // the whole embedding gradient is dense (or there is no word embedding)
        }

        foreach (var id in ids)
        {
            if (!_rowDirty[id])
            {
                _rowDirty[id] = true;
                _dirtyRows.Add(id);
            }
        }
    }

    /// <summary>
    /// Runs a window. <paramref name="inputs"/> and <paramref name="targets"/> are time-major (index t·B + b).
    /// Returns the summed cross-entropy in nats (0 when targets is empty). Advances <paramref name="state"/>.
    /// Dropout is applied only when <paramref name="dropout"/> is given (training).
    /// </summary>
    public double Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int steps, int batch, ModelState state, DropoutKey? dropout)
    {
        if (steps < 1 || steps > MaxSteps || batch < 1 || batch > MaxBatch || batch != state.Batch)
        {
            throw new ArgumentException($"window {steps}x{batch} does not fit the workspace {MaxSteps}x{MaxBatch} (state batch {state.Batch})");
        }

        var rows = steps * batch;
        if (inputs.Length != rows || (!targets.IsEmpty && targets.Length != rows))
        {
            throw new ArgumentException($"expected {rows} input and target ids, got {inputs.Length} and {targets.Length}");
        }

        _steps = steps;
        _batch = batch;
        inputs.CopyTo(_inputIds);
        int h = Spec.Hidden, vocab = Spec.VocabSize, d = _inputWidth;
        if (_encoder is not null)
        {
            _encoder.Forward(Weights, inputs, _embedded.AsSpan(0, rows * d));
        }
        else
        {
            var embedding = _embedding!.Of(Weights);
            for (var r = 0; r < rows; r++)
            {
                var id = inputs[r];
                if ((uint)id >= (uint)vocab)
                {
                    throw new ArgumentOutOfRangeException(nameof(inputs), $"token id {id} outside vocabulary of {vocab}");
                }

                embedding.Slice(id * h, h).CopyTo(_embedded.AsSpan(r * h, h));
            }
        }

        // Kim et al. drop out every LSTM input but the highway's output (their §4.2): site 0 keeps all of it.
        var p = Spec.Dropout;
        _dropouts[0].Forward(_embedded.AsSpan(0, rows * d), _inputs[0], steps, batch, _encoder is null ? p : 0f, dropout);
        for (var l = 0; l < _layers.Length; l++)
        {
            _layers[l].Forward(Weights, _inputs[l].AsSpan(0, rows * (l == 0 ? d : h)), steps, batch, state);
            _dropouts[l + 1].Forward(_layers[l].Output(steps, batch), _inputs[l + 1], steps, batch, p, dropout);
        }

        return _softmax.Forward(Weights, _inputs[^1].AsSpan(0, rows * h), rows, targets);
    }

    /// <summary>
    /// Where the output layer's tensors begin in the flat vector: from this offset to the end, the
    /// gradient is final once the softmax's backward is done (<c>softmax.w</c> and <c>softmax.b</c>;
    /// tied, only <c>softmax.b</c>, as <c>softmax.w</c> is the embedding, which the input side adds to last).
    /// </summary>
    public int OutputLayerOffset => Spec.TieWeights ? Layout["softmax.b"].Offset : Layout["softmax.w"].Offset;

    /// <summary>
    /// Backward of <c>lossScale · Σ CE</c> of the last <see cref="Forward"/>; accumulates into Gradients.
    /// With <paramref name="lastStepLossOnly"/> the recurrent layers see only the last step's loss L_T
    /// (the softmax's own gradient still covers every step): the gradient-flow probe's ∂L_T/∂h_k.
    /// </summary>
    /// <param name="outputLayerDone">Called once the gradient from <see cref="OutputLayerOffset"/> on is
    /// final, before the recurrent layers' backward (a worker sends that part while the rest runs).</param>
    public void Backward(float lossScale, bool lastStepLossOnly = false, Action? outputLayerDone = null)
    {
        int h = Spec.Hidden, d = _inputWidth, rows = _steps * _batch;
        var top = _layers.Length;
        _softmax.Backward(Weights, Gradients, _inputs[top].AsSpan(0, rows * h), lossScale, _dInputs[top],
            overwrite: _softmaxGradientCleared);
        _softmaxGradientCleared = false;
        outputLayerDone?.Invoke();
        if (lastStepLossOnly)
        {
            _dInputs[top].AsSpan(0, (_steps - 1) * _batch * h).Clear();
        }

        for (var l = top - 1; l >= 0; l--)
        {
            var dOut = _dInputs[l + 1].AsSpan(0, rows * h);
            _dropouts[l + 1].Backward(dOut);
            _layers[l].Backward(Weights, Gradients, _inputs[l].AsSpan(0, rows * (l == 0 ? d : h)), dOut, _dInputs[l], _steps, _batch);
        }

        var dEmbedded = _dInputs[0].AsSpan(0, rows * d);
        _dropouts[0].Backward(dEmbedded);
        if (_encoder is not null)
        {
            _encoder.Backward(Weights, Gradients, dEmbedded);
            return;
        }

        var gEmbedding = _embedding!.Of(Gradients);
        for (var r = 0; r < rows; r++)
        {
            var id = _inputIds[r];
            var row = gEmbedding.Slice(id * h, h);
            TensorPrimitives.Add(row, dEmbedded.Slice(r * h, h), row);
            if (!_rowDirty[id] && !Spec.TieWeights)
            {
                _rowDirty[id] = true;
                _dirtyRows.Add(id);
            }
        }
    }

    /// <summary>The character-aware encoder's <see cref="CharacterWordEncoder.KinkSignature"/> of the last forward; null for the other models.</summary>
    internal long? KinkSignature => _encoder?.KinkSignature();

    /// <summary>Sets (or with null removes) the gradient-flow probe of every recurrent layer.</summary>
    public void SetProbe(Diagnostics.IGradientFlowProbe? probe)
    {
        foreach (var layer in _layers)
        {
            layer.Probe = probe;
        }
    }

    /// <summary>Logits of the last window's row (t·B + b), valid after a forward without targets.</summary>
    public ReadOnlySpan<float> Logits(int row) => _softmax.Logits(row);
}
