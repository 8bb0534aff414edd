using System.Numerics.Tensors;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Classification;

/// <summary>
/// A recurrent document classifier: embedding → the spec's stacked RNN/LSTM/GRU layers (the layers of
/// <see cref="LanguageModel"/>, dropout between them as there) run over each document from a zero
/// state → the top layer's hidden state after the document's last word → softmax over the K classes.
/// A batch is time-major (row t·B + b) and right-padded to its longest document: padding comes after a
/// document's last word, so it changes neither that document's final state nor, backwards, any
/// gradient (∂L/∂h_t is zero at every padded step). No state is carried from one document to the next.
/// A document longer than the spec's <see cref="ModelSpec.MaxWords"/> is read up to that word.
/// </summary>
public sealed class RecurrentClassifier : DocumentClassifier
{
    private readonly RecurrentLayer[] _layers;
    private readonly Dropout[] _dropouts;   // site l feeds layer l; site L feeds the softmax
    private readonly float[][] _inputs;     // (T·B, H) per layer, after dropout
    private readonly float[][] _dInputs;    // (T·B, H) per layer
    private readonly float[] _embedded;     // (T·B, H)
    private readonly float[] _final;        // (B, H) the top layer's state after each document's last word
    private readonly float[] _top;          // (B, H) _final after dropout
    private readonly float[] _dTop;         // (B, H)
    private readonly float[] _dOut;         // (T·B, H)
    private readonly int[] _ids;            // (T·B) word ids, padded
    private readonly int[] _lengths;        // (B) words read of each document
    private readonly ModelState _state;
    private int _steps;

    /// <param name="maxDocuments">The most documents a <see cref="DocumentClassifier.Forward"/> takes (≥ 1).</param>
    /// <param name="weights">Weights to compute on (referenced, not copied); null: a zeroed vector of its own.</param>
    /// <exception cref="ArgumentException">When the spec is not a recurrent classifier, the workspace would not fit in arrays, or the weights do not fit.</exception>
    public RecurrentClassifier(ModelSpec spec, int maxDocuments, float[]? weights = null)
        : base(Checked(spec, maxDocuments), maxDocuments, weights)
    {
        var maxWords = spec.MaxWords;
        MaxWords = maxWords;
        int h = spec.Hidden, rows = maxDocuments * maxWords;
        _layers = [.. Enumerable.Range(0, spec.Layers).Select(l => spec.Cell switch
        {
            CellType.Lstm => (RecurrentLayer)new LstmLayer(spec, Layout, l, rows, maxDocuments),
            CellType.Gru => new GruLayer(spec, Layout, l, rows, maxDocuments),
            _ => new RnnLayer(spec, Layout, l, rows, maxDocuments),
        })];
        _dropouts = [.. Enumerable.Range(0, spec.Layers + 1).Select(site => new Dropout(site, h, rows))];
        _inputs = [.. Enumerable.Range(0, spec.Layers).Select(_ => new float[rows * h])];
        _dInputs = [.. Enumerable.Range(0, spec.Layers).Select(_ => new float[rows * h])];
        _embedded = new float[rows * h];
        _final = new float[maxDocuments * h];
        _top = new float[maxDocuments * h];
        _dTop = new float[maxDocuments * h];
        _dOut = new float[rows * h];
        _ids = new int[rows];
        _lengths = new int[maxDocuments];
        _state = new ModelState(spec, maxDocuments);
    }

    /// <summary>The spec, when it is a recurrent classifier whose workspace fits in arrays.</summary>
    private static ModelSpec Checked(ModelSpec spec, int maxDocuments)
    {
        spec.Validate();
        if (!spec.IsClassifier || spec.Cell == CellType.Bow)
        {
            throw new ArgumentException($"a {spec.Cell.Name()} model of {spec.Classes} classes is not a recurrent classifier");
        }

        LanguageModel.CheckSize(spec with { Classes = 0, MaxWords = 0, VocabSize = 2 }, Math.Max(1, maxDocuments), spec.MaxWords);
        return spec;
    }

    /// <summary>Words read of a document at most: the longest window of the recurrent layers.</summary>
    public int MaxWords { get; }

    /// <inheritdoc/>
    /// <remarks>An empty document's final state is the zero initial state.</remarks>
    protected override double ForwardBatch(DropoutKey? dropout, ReadOnlySpan<int> labels)
    {
        int n = Count, h = Spec.Hidden;
        var steps = 1;
        for (var d = 0; d < n; d++)
        {
            _lengths[d] = Math.Min(Words(d).Length, MaxWords);
            steps = Math.Max(steps, _lengths[d]);
        }

        _steps = steps;
        var embedding = Embedding.Of(Weights);
        for (var t = 0; t < steps; t++)
        {
            for (var d = 0; d < n; d++)
            {
                var id = t < _lengths[d] ? Words(d)[t] : 0; // padding: any row, its output is never read
                var row = (t * n) + d;
                _ids[row] = id;
                embedding.Slice(id * h, h).CopyTo(_embedded.AsSpan(row * h, h));
            }
        }

        var rows = steps * n * h;
        var p = Spec.Dropout;
        _state.Reset();
        _dropouts[0].Forward(_embedded.AsSpan(0, rows), _inputs[0], steps, n, p, dropout);
        for (var l = 0; l < _layers.Length; l++)
        {
            _layers[l].Forward(Weights, _inputs[l].AsSpan(0, rows), steps, n, _state);
            if (l + 1 < _layers.Length)
            {
                _dropouts[l + 1].Forward(_layers[l].Output(steps, n), _inputs[l + 1], steps, n, p, dropout);
            }
        }

        var output = _layers[^1].Output(steps, n);
        for (var d = 0; d < n; d++)
        {
            var final = _final.AsSpan(d * h, h);
            if (_lengths[d] == 0)
            {
                final.Clear();
            }
            else
            {
                output.Slice((((_lengths[d] - 1) * n) + d) * h, h).CopyTo(final);
            }
        }

        _dropouts[^1].Forward(_final.AsSpan(0, n * h), _top, 1, n, p, dropout);
        return Softmax.Forward(Weights, _top.AsSpan(0, n * h), n, labels);
    }

    /// <inheritdoc/>
    public override void Backward(float lossScale)
    {
        int h = Spec.Hidden, n = Count, steps = _steps, rows = steps * n * h;
        var dTop = _dTop.AsSpan(0, n * h);
        Softmax.Backward(Weights, Gradients, _top.AsSpan(0, n * h), lossScale, dTop);
        _dropouts[^1].Backward(dTop);
        var dOut = _dOut.AsSpan(0, rows);
        dOut.Clear();
        for (var d = 0; d < n; d++)
        {
            if (_lengths[d] > 0)
            {
                dTop.Slice(d * h, h).CopyTo(dOut.Slice((((_lengths[d] - 1) * n) + d) * h, h));
            }
        }

        for (var l = _layers.Length - 1; l >= 0; l--)
        {
            var dIn = _dInputs[l].AsSpan(0, rows);
            _layers[l].Backward(Weights, Gradients, _inputs[l].AsSpan(0, rows), dOut, dIn, steps, n);
            _dropouts[l].Backward(dIn);
            dOut = dIn;
        }

        var gEmbedding = Embedding.Of(Gradients);
        for (var t = 0; t < steps; t++)
        {
            for (var d = 0; d < n; d++)
            {
                if (t >= _lengths[d])
                {
                    continue; // padding: its gradient is zero
                }

                var row = (t * n) + d;
                var id = _ids[row];
                var target = gEmbedding.Slice(id * h, h);
                TensorPrimitives.Add(target, dOut.Slice(row * h, h), target);
                Mark(id);
            }
        }
    }
}
