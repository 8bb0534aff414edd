namespace RnnCluster.Core.Training;

public static class Optimizers
{
    public static readonly string[] Names = ["sgd", "momentum", "adam"];

    public static IOptimizer Create(string name, int size, float momentum = 0.9f) => name.ToLowerInvariant() switch
    {
        "sgd" => new SgdOptimizer(),
        "momentum" => new MomentumOptimizer(size, momentum),
        "adam" => new AdamOptimizer(size),
        _ => throw new ArgumentException($"unknown optimizer {Text.QuotedText.Quote(name)}: expected {string.Join(", ", Names)}"),
    };

    /// <summary>Restores saved state arrays into a fresh optimizer (names and lengths must match).</summary>
    public static void Restore(IOptimizer optimizer, IReadOnlyDictionary<string, float[]> saved)
    {
        foreach (var (name, target) in optimizer.State)
        {
            if (!saved.TryGetValue(name, out var source) || source.Length != target.Length)
            {
                throw new ArgumentException($"checkpoint has no matching '{name}' state for optimizer {optimizer.Name}");
            }

            source.CopyTo(target, 0);
        }
    }
}
