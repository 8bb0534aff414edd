using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Float32 blocks as little-endian bytes. On little-endian machines the arrays are reinterpreted as
/// bytes and moved in one call; big-endian machines swap in chunks.
/// </summary>
internal static class LittleEndianFloats
{
    private const int ChunkFloats = 1 << 16;

    public static void Write(Stream stream, IncrementalHash hash, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            var bytes = MemoryMarshal.AsBytes(values);
            hash.AppendData(bytes);
            stream.Write(bytes);
            return;
        }

        var swapped = new int[Math.Min(values.Length, ChunkFloats)];
        for (var start = 0; start < values.Length; start += swapped.Length)
        {
            var chunk = MemoryMarshal.Cast<float, int>(values.Slice(start, Math.Min(swapped.Length, values.Length - start)));
            BinaryPrimitives.ReverseEndianness(chunk, swapped);
            var bytes = MemoryMarshal.AsBytes(swapped.AsSpan(0, chunk.Length));
            hash.AppendData(bytes);
            stream.Write(bytes);
        }
    }

    public static float[] Read(Stream stream, int count)
    {
        // Every element is overwritten by the read, so skip zeroing.
        var values = GC.AllocateUninitializedArray<float>(count);
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            var bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }

        return values;
    }
}
