using System.Numerics.Tensors;
using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Training;

/// <summary>Draws tokens one at a time from softmax(logits / temperature), feeding each back in.</summary>
public sealed class Sampler
{
    private readonly LanguageModel _model;
    private readonly ModelState _state;
    private readonly float[] _probabilities;
    private readonly Rng _rng;

    public Sampler(ModelSpec spec, float[] weights, ulong seed)
    {
        _model = new LanguageModel(spec, 1, 1, weights);
        _state = _model.NewState(1);
        _probabilities = new float[spec.VocabSize];
        _rng = new Rng(seed);
    }

    /// <summary>Feeds the prompt, then samples <paramref name="count"/> ids; <paramref name="onToken"/> sees each.</summary>
    public void Generate(IReadOnlyList<int> prompt, int count, float temperature, Action<int> onToken)
    {
        if (temperature <= 0 || !float.IsFinite(temperature))
        {
            throw new ArgumentException($"--temperature {temperature} must be positive");
        }

        if (prompt.Count == 0)
        {
            throw new ArgumentException("sampling needs at least one prompt token");
        }

        Span<int> input = stackalloc int[1];
        foreach (var id in prompt)
        {
            input[0] = id;
            _model.Forward(input, [], 1, 1, _state, null);
        }

        for (var i = 0; i < count; i++)
        {
            var next = Draw(_model.Logits(0), temperature);
            onToken(next);
            input[0] = next;
            _model.Forward(input, [], 1, 1, _state, null);
        }
    }

    private int Draw(ReadOnlySpan<float> logits, float temperature)
    {
        TensorPrimitives.Multiply(logits, 1f / temperature, _probabilities);
        TensorPrimitives.Subtract(_probabilities, TensorPrimitives.Max(_probabilities), _probabilities); // SoftMax does not shift: exp would overflow
        TensorPrimitives.SoftMax(_probabilities, _probabilities);
        var u = _rng.NextDouble();
        double cumulative = 0;
        for (var i = 0; i < _probabilities.Length; i++)
        {
            cumulative += _probabilities[i];
            if (u < cumulative)
            {
                return i;
            }
        }

        return _probabilities.Length - 1;
    }
}
