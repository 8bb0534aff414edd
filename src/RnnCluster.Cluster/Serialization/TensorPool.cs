using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnCluster.Cluster.Serialization;

/// <summary>
/// Arrays for large decoded tensors (at least <see cref="MinFloats"/> floats): the dense gradient a
/// server receives and the dense weights a worker receives every step. Their consumer copies them
/// into its own buffers and hands them back with <see cref="Return(ReadOnlyMemory{float})"/>, so a step allocates no new
/// large arrays once the pool holds one of each size. Only arrays this pool created are taken back;
/// an array never returned is left to the garbage collector. Thread-safe.
/// </summary>
public static class TensorPool
{
    /// <summary>Smaller tensors are allocated as usual (1 MiB of floats).</summary>
    public const int MinFloats = 256 * 1024;

    private const int KeptPerLength = 4;
    private static readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> Free = new();
    private static readonly ConditionalWeakTable<float[], object> Owned = [];

    /// <summary>An array of exactly <paramref name="length"/> floats, reused when one was returned (contents undefined).</summary>
    public static float[] Rent(int length)
    {
        if (length < MinFloats)
        {
            return new float[length];
        }

        if (Free.TryGetValue(length, out var bag) && bag.TryTake(out var reused))
        {
            return reused;
        }

        var array = GC.AllocateUninitializedArray<float>(length);
        Owned.AddOrUpdate(array, Owned);
        return array;
    }

    /// <summary>Hands back a received vector's values (see <see cref="Return(ReadOnlyMemory{float})"/>).</summary>
    public static void Return(Protocol.WireFloats tensor) => Return(tensor.Values);

    /// <summary>Hands back a whole array this pool created; anything else (a view, a foreign array) is ignored. The caller must not use it afterwards.</summary>
    public static void Return(ReadOnlyMemory<float> tensor)
    {
        if (!MemoryMarshal.TryGetArray(tensor, out var segment) || segment.Array is not { Length: >= MinFloats } array
            || segment.Offset != 0 || segment.Count != array.Length || !Owned.TryGetValue(array, out _))
        {
            return;
        }

        var bag = Free.GetOrAdd(array.Length, _ => []);
        if (bag.Count < KeptPerLength)
        {
            bag.Add(array);
        }
    }
}
