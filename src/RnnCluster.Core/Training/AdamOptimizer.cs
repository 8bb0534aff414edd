namespace RnnCluster.Core.Training;

/// <summary>Adam (Kingma and Ba) with bias correction; the step count is kept in state as one float.</summary>
public sealed class AdamOptimizer(int size, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) : IOptimizer
{
    private readonly float[] _m = new float[size];
    private readonly float[] _v = new float[size];
    private readonly float[] _t = new float[1];

    public string Name => "adam";

    public IReadOnlyDictionary<string, float[]> State => new Dictionary<string, float[]>
    {
        ["adam.m"] = _m,
        ["adam.v"] = _v,
        ["adam.t"] = _t,
    };

    public void Step(float[] weights, float[] gradients, float learningRate)
    {
        var t = ++_t[0];
        var correction1 = 1f - MathF.Pow(beta1, t);
        var correction2 = 1f - MathF.Pow(beta2, t);
        var stepSize = learningRate * MathF.Sqrt(correction2) / correction1;
        for (var i = 0; i < weights.Length; i++)
        {
            var g = gradients[i];
            var m = _m[i] = (beta1 * _m[i]) + ((1f - beta1) * g);
            var v = _v[i] = (beta2 * _v[i]) + ((1f - beta2) * g * g);
            weights[i] -= stepSize * m / (MathF.Sqrt(v) + epsilon);
        }
    }
}
