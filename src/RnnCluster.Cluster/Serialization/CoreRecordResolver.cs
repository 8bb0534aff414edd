using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Serialization;

/// <summary>
/// Encodes the Core records that job events carry (<see cref="ProgressReport"/>, <see cref="EpochReport"/>,
/// <see cref="TrainingSummary"/>) by their property names, as the attribute-described cluster records are,
/// so Core needs no serialization attributes. Every other type is left to the next resolver (null).
/// </summary>
public sealed class CoreRecordResolver : IFormatterResolver
{
    public static readonly CoreRecordResolver Instance = new();

    private static readonly HashSet<Type> Types = [typeof(ProgressReport), typeof(EpochReport), typeof(TrainingSummary)];

    private CoreRecordResolver()
    {
    }

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter =
            Types.Contains(typeof(T)) ? DynamicContractlessObjectResolver.Instance.GetFormatter<T>() : null;
    }
}
