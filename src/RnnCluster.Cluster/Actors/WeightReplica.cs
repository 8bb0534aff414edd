using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// A worker's copy of a job's weights and their version, patched by each <see cref="WeightUpdate"/>.
/// The array is allocated by the first full update and then only overwritten, so the shard's model
/// can compute on it directly.
/// </summary>
internal sealed class WeightReplica(string jobId)
{
    public string JobId { get; } = jobId;

    /// <summary>Empty until the first full update.</summary>
    public float[] Weights { get; private set; } = [];

    /// <summary>The version held; −1 before the first full update and after a delta that did not fit.</summary>
    public long Version { get; private set; } = -1;

    /// <summary>True after an update could not be applied: only a full update helps now.</summary>
    public bool Stale { get; private set; }

    /// <summary>Applies an update; false (and <see cref="Stale"/>) when it is a delta that does not follow the version held.</summary>
    public bool Apply(WeightUpdate update)
    {
        var patch = update.Patch;
        if (patch.Full)
        {
            if (Weights.Length != patch.Dense.Length)
            {
                Weights = new float[patch.Dense.Length];
            }

            patch.Dense.Span.CopyTo(Weights);
            Version = update.Version;
            Stale = false;
            return true;
        }

        var embeddingLength = Weights.Length - patch.Dense.Length;
        var hidden = patch.Rows.Length == 0 ? 0 : patch.RowValues.Length / patch.Rows.Length;
        if (Version != update.Version - 1 || embeddingLength < 0 || hidden * patch.Rows.Length != patch.RowValues.Length)
        {
            Version = -1;
            Stale = true;
            return false;
        }

        patch.Dense.Span.CopyTo(Weights.AsSpan(embeddingLength));
        var values = patch.RowValues.Span;
        for (var i = 0; i < patch.Rows.Length; i++)
        {
            var row = patch.Rows[i];
            if (row < 0 || (row + 1) * hidden > embeddingLength)
            {
                Version = -1;
                Stale = true;
                return false;
            }

            values.Slice(i * hidden, hidden).CopyTo(Weights.AsSpan(row * hidden, hidden));
        }

        Version = update.Version;
        return true;
    }
}
