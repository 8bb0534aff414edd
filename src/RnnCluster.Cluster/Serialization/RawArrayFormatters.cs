using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace RnnCluster.Cluster.Serialization;

/// <summary>
/// float[] as one msgpack bin block of raw little-endian IEEE-754 bytes: one memcpy each way instead
/// of a 5-byte msgpack float per element, and bit-exact (NaN payloads and −0 survive).
/// </summary>
public sealed class FloatArrayFormatter : IMessagePackFormatter<float[]?>
{
    public static readonly FloatArrayFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, float[]? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        RawBlocks.Write(ref writer, MemoryMarshal.AsBytes(value.AsSpan()), sizeof(float));
    }

    public float[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        => reader.TryReadNil() ? null : RawBlocks.ReadFloats(ref reader);
}

/// <summary>
/// A view of floats (part of a larger buffer, e.g. the live weights) encoded like a float[], so the
/// sender needs no copy; it decodes into an array of <see cref="TensorPool"/> (large tensors) or a new one.
/// </summary>
public sealed class FloatMemoryFormatter : IMessagePackFormatter<ReadOnlyMemory<float>>
{
    public static readonly FloatMemoryFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ReadOnlyMemory<float> value, MessagePackSerializerOptions options)
        => RawBlocks.Write(ref writer, MemoryMarshal.AsBytes(value.Span), sizeof(float));

    public ReadOnlyMemory<float> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        => RawBlocks.ReadFloats(ref reader, TensorPool.Rent);
}

/// <summary>int[] (token ids, row ids) as one raw little-endian bin block.</summary>
public sealed class IntArrayFormatter : IMessagePackFormatter<int[]?>
{
    public static readonly IntArrayFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, int[]? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        RawBlocks.Write(ref writer, MemoryMarshal.AsBytes(value.AsSpan()), sizeof(int));
    }

    public int[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var bytes = RawBlocks.ReadBlock(ref reader, sizeof(int));
        var result = new int[bytes.Length / sizeof(int)];
        bytes.CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(result, result);
        }

        return result;
    }
}

internal static class RawBlocks
{
    public static void Write(ref MessagePackWriter writer, ReadOnlySpan<byte> bytes, int elementSize)
    {
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(bytes);
            return;
        }

        var copy = bytes.ToArray();
        for (var i = 0; i < copy.Length; i += elementSize)
        {
            copy.AsSpan(i, elementSize).Reverse();
        }

        writer.Write(copy);
    }

    /// <summary>The bytes of a raw block, still in the reader's buffers (copy them out once).</summary>
    public static ReadOnlySequence<byte> ReadBlock(ref MessagePackReader reader, int elementSize)
    {
        var sequence = reader.ReadBytes() ?? throw new MessagePackSerializationException("expected a raw block, got nil");
        if (sequence.Length % elementSize != 0)
        {
            throw new MessagePackSerializationException($"raw block of {sequence.Length} bytes is not a multiple of {elementSize}");
        }

        return sequence;
    }

    public static float[] ReadFloats(ref MessagePackReader reader, Func<int, float[]>? allocate = null)
    {
        var bytes = ReadBlock(ref reader, sizeof(float));
        var length = (int)(bytes.Length / sizeof(float));
        var result = allocate is null ? new float[length] : allocate(length);
        bytes.CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(result.AsSpan());
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }

        return result;
    }
}
