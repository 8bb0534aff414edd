using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Classification;

/// <summary>Builds and initialises the classifier a spec describes.</summary>
public static class DocumentClassifiers
{
    /// <param name="maxDocuments">The most documents a forward pass takes.</param>
    /// <param name="weights">Weights to compute on (referenced); null: a zeroed vector of its own.</param>
    /// <exception cref="ArgumentException">When the spec is not a classifier or the weights do not fit it.</exception>
    public static DocumentClassifier Create(ModelSpec spec, int maxDocuments, float[]? weights = null) => spec.Cell == CellType.Bow
        ? new BagOfWordsClassifier(spec, maxDocuments, weights)
        : new RecurrentClassifier(spec, maxDocuments, weights);

    /// <summary>Uniform ±InitScale for every weight, from <paramref name="seed"/>; then, for an LSTM, the forget-gate bias.</summary>
    public static void Initialize(ModelSpec spec, ulong seed, float[] weights)
    {
        var rng = new Rng(seed);
        var scale = spec.InitScale;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = rng.NextFloat(-scale, scale);
        }

        if (spec.Cell == CellType.Lstm && spec.ForgetBias != 0f)
        {
            var layout = ParameterLayout.For(spec);
            for (var l = 0; l < spec.Layers; l++)
            {
                layout[$"layer{l}.b"].Of(weights).Slice(spec.Hidden, spec.Hidden).Fill(spec.ForgetBias);
            }
        }
    }
}
