using System.Numerics.Tensors;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Models;

/// <summary>
/// The word representation of the character-aware model (Kim et al., "Character-Aware Neural Language
/// Models", AAAI 2016, small configuration): each input word's spelling (<see cref="WordSpellings"/>)
/// → character embeddings (L, 15) → for each width w = 1…6, 25·w filters fᵏ[i] = tanh(⟨Cᵏ, E[i : i+w]⟩ + bᵏ)
/// (their eq. 4) → max over positions yᵏ = maxᵢ fᵏ[i] (eq. 5), concatenated to y of D = 525 features →
/// one highway layer z = t ⊙ ReLU(y·W_H + b_H) + (1 − t) ⊙ y, t = σ(y·W_T + b_T) (eqs. 8–9). z feeds
/// the first LSTM layer. Parameters: <c>chars.embedding</c> (C, 15), <c>conv{w}.w</c> (w·15, 25·w),
/// <c>conv{w}.b</c> (1, 25·w), <c>highway.w_t</c>, <c>highway.w_h</c> (D, D), <c>highway.b_t</c>,
/// <c>highway.b_h</c> (1, D); all gradients are dense. Rows are a window's words, time-major (t·B + b).
/// </summary>
public sealed class CharacterWordEncoder
{
    /// <summary>Character embedding size (Kim et al.'s small model: 15).</summary>
    public const int EmbeddingSize = 15;

    /// <summary>The narrowest and widest convolution, in characters.</summary>
    public const int MinWidth = 1;
    public const int MaxWidth = 6;

    /// <summary>Filters per character of width: width w has 25·w filters.</summary>
    public const int FiltersPerWidth = 25;

    /// <summary>The highway transform gate's initial bias (Kim et al. §3: −2, so a fresh layer mostly carries y).</summary>
    public const float TransformGateBias = -2f;

    /// <summary>D: the features of a word, Σ_w 25·w = 525.</summary>
    public const int Features = FiltersPerWidth * ((MaxWidth * (MaxWidth + 1) / 2) - ((MinWidth - 1) * MinWidth / 2));

    private readonly WordSpellings _spellings;
    private readonly ParameterTensor _chars;
    private readonly ParameterTensor[] _convW;
    private readonly ParameterTensor[] _convB;
    private readonly ParameterTensor _wT, _bT, _wH, _bH;
    private readonly float[] _embedded;   // (rows, L, E) character embeddings of each word
    private readonly float[][] _columns;  // per width: (rows·P, w·E) windows of _embedded (im2col)
    private readonly float[][] _conv;     // per width: (rows·P, 25w) tanh outputs
    private readonly int[] _argmax;       // (rows, D) position of each feature's maximum
    private readonly float[] _y;          // (rows, D) max-over-time features
    private readonly float[] _t;          // (rows, D) transform gate
    private readonly float[] _g;          // (rows, D) ReLU(y·W_H + b_H)
    private readonly float[] _dPre;       // (rows, D) scratch: gate and candidate pre-activation gradients
    private readonly float[] _dY;         // (rows, D)
    private readonly float[] _dConv;      // (rows·P₁, 25·6) scratch, the largest width's size
    private readonly float[] _dColumns;   // (rows·P, w·E) scratch, the largest
    private readonly float[] _z;          // (U, D) the distinct words' outputs
    private readonly float[] _dZ;         // (U, D) their gradients, summed over the rows that hold them
    private readonly int[] _words;        // (U) the window's distinct word ids, in order of first appearance
    private readonly int[] _rowWord;      // (rows) each row's index in _words
    private readonly int[] _indexOf;      // (V) a word's index in _words during Forward, else −1
    private int _rows;                    // U: the distinct words of the last Forward
    private int _inputRows;               // rows of the last Forward

    public CharacterWordEncoder(WordSpellings spellings, ParameterLayout layout, int maxRows)
    {
        _spellings = spellings;
        var l = spellings.Length;
        _chars = layout["chars.embedding"];
        _convW = new ParameterTensor[MaxWidth + 1];
        _convB = new ParameterTensor[MaxWidth + 1];
        _columns = new float[MaxWidth + 1][];
        _conv = new float[MaxWidth + 1][];
        var largestConv = 0;
        var largestColumns = 0;
        for (var w = MinWidth; w <= MaxWidth; w++)
        {
            _convW[w] = layout[$"conv{w}.w"];
            _convB[w] = layout[$"conv{w}.b"];
            var positions = l - w + 1;
            _columns[w] = new float[maxRows * positions * w * EmbeddingSize];
            _conv[w] = new float[maxRows * positions * FiltersPerWidth * w];
            largestConv = Math.Max(largestConv, _conv[w].Length);
            largestColumns = Math.Max(largestColumns, _columns[w].Length);
        }

        _wT = layout["highway.w_t"];
        _bT = layout["highway.b_t"];
        _wH = layout["highway.w_h"];
        _bH = layout["highway.b_h"];
        _embedded = new float[maxRows * l * EmbeddingSize];
        _argmax = new int[maxRows * Features];
        _y = new float[maxRows * Features];
        _t = new float[maxRows * Features];
        _g = new float[maxRows * Features];
        _dPre = new float[maxRows * Features];
        _dY = new float[maxRows * Features];
        _dConv = new float[largestConv];
        _dColumns = new float[largestColumns];
        _words = new int[maxRows];
        _rowWord = new int[maxRows];
        _z = new float[maxRows * Features];
        _dZ = new float[maxRows * Features];
        _indexOf = new int[spellings.Words];
        Array.Fill(_indexOf, -1);
    }

    /// <summary>Adds the encoder's tensors to <paramref name="layout"/> for an alphabet of <paramref name="symbols"/>.</summary>
    public static void AddTensors(ParameterLayout layout, int symbols)
    {
        layout.Add("chars.embedding", symbols, EmbeddingSize);
        for (var w = MinWidth; w <= MaxWidth; w++)
        {
            layout.Add($"conv{w}.w", w * EmbeddingSize, FiltersPerWidth * w);
            layout.Add($"conv{w}.b", 1, FiltersPerWidth * w);
        }

        layout.Add("highway.w_t", Features, Features);
        layout.Add("highway.b_t", 1, Features);
        layout.Add("highway.w_h", Features, Features);
        layout.Add("highway.b_h", 1, Features);
    }

    /// <summary>The encoder's parameter count for an alphabet of <paramref name="symbols"/>.</summary>
    public static long ParameterCount(int symbols)
    {
        long count = (long)symbols * EmbeddingSize;
        for (var w = MinWidth; w <= MaxWidth; w++)
        {
            count += ((long)w * EmbeddingSize * FiltersPerWidth * w) + (FiltersPerWidth * w);
        }

        return count + (2L * Features * Features) + (2L * Features);
    }

    /// <summary>Sets the highway transform gate's bias to <see cref="TransformGateBias"/> (after the uniform initialisation).</summary>
    public static void InitializeBiases(ParameterLayout layout, float[] weights) => layout["highway.b_t"].Of(weights).Fill(TransformGateBias);

    /// <summary>
    /// Encodes <paramref name="words"/> (rows) into <paramref name="output"/> (rows, D). The encoding
    /// depends on the word alone, so each distinct word of the window is encoded once (a PTB window of
    /// 20 × 35 words holds about 360 distinct ones) and copied to its rows.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A word id is outside the vocabulary.</exception>
    public void Forward(float[] weights, ReadOnlySpan<int> words, Span<float> output)
    {
        int l = _spellings.Length, e = EmbeddingSize, d = Features;
        foreach (var id in words)
        {
            if ((uint)id >= (uint)_spellings.Words)
            {
                throw new ArgumentOutOfRangeException(nameof(words), $"token id {id} outside vocabulary of {_spellings.Words}");
            }
        }

        var rows = 0; // from here on: the distinct words
        for (var r = 0; r < words.Length; r++)
        {
            var id = words[r];
            if (_indexOf[id] < 0)
            {
                _indexOf[id] = rows;
                _words[rows++] = id;
            }

            _rowWord[r] = _indexOf[id];
        }

        foreach (var id in _words.AsSpan(0, rows))
        {
            _indexOf[id] = -1;
        }

        _rows = rows;
        _inputRows = words.Length;
        var chars = _chars.Of(weights);
        for (var r = 0; r < rows; r++)
        {
            var spelling = _spellings.Of(_words[r]);
            for (var i = 0; i < l; i++)
            {
                chars.Slice(spelling[i] * e, e).CopyTo(_embedded.AsSpan(((r * l) + i) * e, e));
            }
        }

        var offset = 0;
        for (var w = MinWidth; w <= MaxWidth; w++)
        {
            int positions = l - w + 1, span = w * e, filters = FiltersPerWidth * w;
            var columns = _columns[w].AsSpan(0, rows * positions * span);
            for (var r = 0; r < rows; r++)
            {
                for (var i = 0; i < positions; i++)
                {
                    _embedded.AsSpan(((r * l) + i) * e, span).CopyTo(columns.Slice(((r * positions) + i) * span, span));
                }
            }

            var conv = _conv[w].AsSpan(0, rows * positions * filters);
            Gemm.Sgemm(false, false, rows * positions, filters, span, 1f, columns, span, _convW[w].Of(weights), filters, 0f, conv, filters);
            Ops.AddRowVector(conv, rows * positions, _convB[w].Of(weights));
            TensorPrimitives.Tanh(conv, conv);
            for (var r = 0; r < rows; r++)
            {
                var y = _y.AsSpan((r * d) + offset, filters);
                var argmax = _argmax.AsSpan((r * d) + offset, filters);
                conv.Slice(r * positions * filters, filters).CopyTo(y);
                argmax.Clear();
                for (var i = 1; i < positions; i++)
                {
                    var f = conv.Slice(((r * positions) + i) * filters, filters);
                    for (var k = 0; k < filters; k++)
                    {
                        if (f[k] > y[k])
                        {
                            y[k] = f[k];
                            argmax[k] = i;
                        }
                    }
                }
            }

            offset += filters;
        }

        // Highway: t = σ(y·W_T + b_T), g = ReLU(y·W_H + b_H), z = t ⊙ g + (1 − t) ⊙ y.
        var yAll = _y.AsSpan(0, rows * d);
        var t = _t.AsSpan(0, rows * d);
        var g = _g.AsSpan(0, rows * d);
        Gemm.Sgemm(false, false, rows, d, d, 1f, yAll, d, _wT.Of(weights), d, 0f, t, d);
        Ops.AddRowVector(t, rows, _bT.Of(weights));
        TensorPrimitives.Sigmoid(t, t);
        Gemm.Sgemm(false, false, rows, d, d, 1f, yAll, d, _wH.Of(weights), d, 0f, g, d);
        Ops.AddRowVector(g, rows, _bH.Of(weights));
        TensorPrimitives.Max(g, 0f, g);
        var z = _z.AsSpan(0, rows * d);
        TensorPrimitives.Subtract(g, yAll, z);        // g − y
        TensorPrimitives.MultiplyAdd(t, z, yAll, z);  // y + t ⊙ (g − y)
        for (var r = 0; r < _inputRows; r++)
        {
            z.Slice(_rowWord[r] * d, d).CopyTo(output.Slice(r * d, d));
        }
    }

    /// <summary>
    /// A hash of the last <see cref="Forward"/>'s piecewise choices: which position won each feature's max
    /// and which highway candidates were positive. Central differences are only valid when a parameter's
    /// ±ε leave it unchanged (the gradient check skips the parameters whose do not).
    /// </summary>
    public long KinkSignature()
    {
        var hash = 1469598103934665603L;
        var n = _rows * Features;
        for (var i = 0; i < n; i++)
        {
            hash = (hash ^ ((_argmax[i] << 1) | (_g[i] > 0f ? 1 : 0))) * 1099511628211L;
        }

        return hash;
    }

    /// <summary>
    /// Backward of the last <see cref="Forward"/> for ∂L/∂z <paramref name="dOutput"/> (rows, D):
    /// accumulates (+=) every encoder gradient into <paramref name="gradients"/>.
    /// </summary>
    public void Backward(float[] weights, float[] gradients, ReadOnlySpan<float> dOutput)
    {
        int rows = _rows, l = _spellings.Length, e = EmbeddingSize, d = Features;
        var dz = _dZ.AsSpan(0, rows * d);
        dz.Clear();
        for (var r = 0; r < _inputRows; r++)
        {
            var into = dz.Slice(_rowWord[r] * d, d);
            TensorPrimitives.Add(into, dOutput.Slice(r * d, d), into);
        }

        var yAll = _y.AsSpan(0, rows * d);
        var t = _t.AsSpan(0, rows * d);
        var g = _g.AsSpan(0, rows * d);
        var dY = _dY.AsSpan(0, rows * d);
        var dPre = _dPre.AsSpan(0, rows * d);

        // ∂z/∂y through the carry: dz ⊙ (1 − t).
        for (var i = 0; i < dY.Length; i++)
        {
            dY[i] = dz[i] * (1f - t[i]);
        }

        // Transform gate: ∂L/∂(y·W_T + b_T) = dz ⊙ (g − y) ⊙ t(1 − t).
        for (var i = 0; i < dPre.Length; i++)
        {
            dPre[i] = dz[i] * (g[i] - yAll[i]) * t[i] * (1f - t[i]);
        }

        Gemm.Sgemm(true, false, d, d, rows, 1f, yAll, d, dPre, d, 1f, _wT.Of(gradients), d);
        Ops.AccumulateColumnSums(dPre, rows, _bT.Of(gradients));
        Gemm.Sgemm(false, true, rows, d, d, 1f, dPre, d, _wT.Of(weights), d, 1f, dY, d);

        // Candidate: ∂L/∂(y·W_H + b_H) = dz ⊙ t ⊙ [g > 0].
        for (var i = 0; i < dPre.Length; i++)
        {
            dPre[i] = g[i] > 0f ? dz[i] * t[i] : 0f;
        }

        Gemm.Sgemm(true, false, d, d, rows, 1f, yAll, d, dPre, d, 1f, _wH.Of(gradients), d);
        Ops.AccumulateColumnSums(dPre, rows, _bH.Of(gradients));
        Gemm.Sgemm(false, true, rows, d, d, 1f, dPre, d, _wH.Of(weights), d, 1f, dY, d);

        // Max over positions routes each feature's gradient to its winning position, through tanh.
        var dEmbedded = _embedded.AsSpan(0, rows * l * e); // the embeddings are not needed any more: reused for their gradient
        dEmbedded.Clear();
        var offset = 0;
        for (var w = MinWidth; w <= MaxWidth; w++)
        {
            int positions = l - w + 1, span = w * e, filters = FiltersPerWidth * w;
            var conv = _conv[w].AsSpan(0, rows * positions * filters);
            var dConv = _dConv.AsSpan(0, rows * positions * filters);
            dConv.Clear();
            for (var r = 0; r < rows; r++)
            {
                for (var k = 0; k < filters; k++)
                {
                    var at = (((r * positions) + _argmax[(r * d) + offset + k]) * filters) + k;
                    var f = conv[at];
                    dConv[at] = dY[(r * d) + offset + k] * (1f - (f * f));
                }
            }

            var columns = _columns[w].AsSpan(0, rows * positions * span);
            Gemm.Sgemm(true, false, span, filters, rows * positions, 1f, columns, span, dConv, filters, 1f, _convW[w].Of(gradients), filters);
            Ops.AccumulateColumnSums(dConv, rows * positions, _convB[w].Of(gradients));
            var dColumns = _dColumns.AsSpan(0, rows * positions * span);
            Gemm.Sgemm(false, true, rows * positions, span, filters, 1f, dConv, filters, _convW[w].Of(weights), filters, 0f, dColumns, span);
            for (var r = 0; r < rows; r++)
            {
                for (var i = 0; i < positions; i++)
                {
                    var target = dEmbedded.Slice(((r * l) + i) * e, span);
                    TensorPrimitives.Add(target, dColumns.Slice(((r * positions) + i) * span, span), target);
                }
            }

            offset += filters;
        }

        var gChars = _chars.Of(gradients);
        for (var r = 0; r < rows; r++)
        {
            var spelling = _spellings.Of(_words[r]);
            for (var i = 0; i < l; i++)
            {
                var row = gChars.Slice(spelling[i] * e, e);
                TensorPrimitives.Add(row, dEmbedded.Slice(((r * l) + i) * e, e), row);
            }
        }
    }
}
