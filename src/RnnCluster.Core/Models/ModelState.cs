namespace RnnCluster.Core.Models;

/// <summary>
/// The recurrent state carried across BPTT windows: per layer h (B×H) and, for LSTM, c (B×H).
/// Carrying values without a graph is the truncation ("repackage_hidden") step.
/// </summary>
public sealed class ModelState
{
    public ModelState(ModelSpec spec, int batch)
    {
        Batch = batch;
        H = new float[spec.Layers][];
        C = new float[spec.Layers][];
        for (var l = 0; l < spec.Layers; l++)
        {
            H[l] = new float[batch * spec.Hidden];
            C[l] = spec.Cell.IsLstm() ? new float[batch * spec.Hidden] : [];
        }
    }

    public int Batch { get; }

    /// <summary>Layers of state a run of <paramref name="spec"/> carries across windows: a language model's layers; 0 for a classifier or CBOW, which carry none.</summary>
    public static int CarriedLayers(ModelSpec spec) => spec.IsClassifier || spec.IsEmbedding ? 0 : spec.Layers;

    /// <summary>The state a run of <paramref name="spec"/> carries for <paramref name="batch"/> streams (no layers for a classifier or CBOW).</summary>
    public static ModelState Carried(ModelSpec spec, int batch) => new(spec with { Layers = CarriedLayers(spec) }, batch);

    public float[][] H { get; }

    public float[][] C { get; }

    public void Reset()
    {
        foreach (var h in H)
        {
            Array.Clear(h);
        }

        foreach (var c in C)
        {
            Array.Clear(c);
        }
    }

    public void CopyFrom(ModelState other)
    {
        for (var l = 0; l < H.Length; l++)
        {
            other.H[l].CopyTo(H[l], 0);
            other.C[l].CopyTo(C[l], 0);
        }
    }
}
