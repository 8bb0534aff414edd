using RnnCluster.Core.Models;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// Hidden state on the wire: all layers' h (then c) concatenated, layer-major, each layer B×H rows.
/// Also copies a contiguous range of streams between a shard's state and the job's global state.
/// </summary>
internal static class StateCodec
{
    public static (float[] H, float[] C) Save(ModelState state)
    {
        return (Concat(state.H), Concat(state.C));
    }

    public static void Load(ModelState state, float[] h, float[] c)
    {
        Split(h, state.H);
        Split(c, state.C);
    }

    /// <summary>Streams [first, first+count) of the global state, in the wire layout.</summary>
    public static (float[] H, float[] C) Slice(ModelState global, int first, int count, int hidden)
        => (SliceOf(global.H, first, count, hidden), SliceOf(global.C, first, count, hidden));

    /// <summary>Writes a shard's wire-layout state back into streams [first, first+count) of the global state.</summary>
    public static void Store(ModelState global, int first, int count, int hidden, float[] h, float[] c)
    {
        StoreInto(global.H, first, count, hidden, h);
        StoreInto(global.C, first, count, hidden, c);
    }

    private static float[] Concat(float[][] layers)
    {
        var result = new float[layers.Sum(l => l.Length)];
        var offset = 0;
        foreach (var l in layers)
        {
            l.CopyTo(result, offset);
            offset += l.Length;
        }

        return result;
    }

    private static void Split(float[] flat, float[][] layers)
    {
        var total = layers.Sum(l => l.Length);
        if (flat.Length != total)
        {
            throw new ArgumentException($"state has {flat.Length} floats, expected {total}");
        }

        var offset = 0;
        foreach (var l in layers)
        {
            flat.AsSpan(offset, l.Length).CopyTo(l);
            offset += l.Length;
        }
    }

    private static float[] SliceOf(float[][] layers, int first, int count, int hidden)
    {
        if (layers.Length == 0 || layers[0].Length == 0)
        {
            return [];
        }

        var per = count * hidden;
        var result = new float[layers.Length * per];
        for (var l = 0; l < layers.Length; l++)
        {
            layers[l].AsSpan(first * hidden, per).CopyTo(result.AsSpan(l * per, per));
        }

        return result;
    }

    private static void StoreInto(float[][] layers, int first, int count, int hidden, float[] flat)
    {
        if (layers.Length == 0 || layers[0].Length == 0)
        {
            return;
        }

        var per = count * hidden;
        if (flat.Length != layers.Length * per)
        {
            throw new ArgumentException($"shard state has {flat.Length} floats, expected {layers.Length * per}");
        }

        for (var l = 0; l < layers.Length; l++)
        {
            flat.AsSpan(l * per, per).CopyTo(layers[l].AsSpan(first * hidden, per));
        }
    }
}
