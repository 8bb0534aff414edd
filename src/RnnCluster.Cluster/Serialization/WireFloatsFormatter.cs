using System.Buffers;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Cluster.Serialization;

/// <summary>
/// <see cref="WireFloats"/> as a msgpack array [encoding, length, values, indices]: values one raw bin
/// block (float32, or 2-byte bfloat16/binary16 written in pieces straight into the output), indices a
/// raw int32 block for a sparse vector and nil otherwise. A dense vector decodes to float32 in an array
/// of <see cref="TensorPool"/>; a sparse one is checked (indices ascending, inside the length).
/// </summary>
public sealed class WireFloatsFormatter : IMessagePackFormatter<WireFloats>
{
    public static readonly WireFloatsFormatter Instance = new();

    /// <summary>A received vector may hold at most this many values (1 GiB of floats).</summary>
    public const int MaxLength = 1 << 28;

    private const int PieceValues = 16 * 1024;

    public void Serialize(ref MessagePackWriter writer, WireFloats value, MessagePackSerializerOptions options)
    {
        writer.WriteArrayHeader(4);
        writer.Write((byte)value.Encoding);
        writer.Write(value.Length);
        switch (value.Encoding)
        {
            case WireEncoding.BFloat16 or WireEncoding.Float16:
                WritePacked(ref writer, value.Values.Span, value.Encoding);
                break;
            default:
                FloatMemoryFormatter.Instance.Serialize(ref writer, value.Values, options);
                break;
        }

        IntArrayFormatter.Instance.Serialize(ref writer, value.Indices, options);
    }

    public WireFloats Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.ReadArrayHeader() != 4)
        {
            throw new MessagePackSerializationException("a float vector is an array of 4");
        }

        var encoding = (WireEncoding)reader.ReadByte();
        var length = reader.ReadInt32();
        if (length is < 0 or > MaxLength)
        {
            throw new MessagePackSerializationException($"float vector of {length} values (at most {MaxLength})");
        }

        switch (encoding)
        {
            case WireEncoding.Float32:
                {
                    var values = FloatMemoryFormatter.Instance.Deserialize(ref reader, options);
                    RequireNoIndices(ref reader);
                    return values.Length == length ? WireFloats.Dense(values)
                        : throw new MessagePackSerializationException($"float vector says {length} values and holds {values.Length}");
                }

            case WireEncoding.BFloat16 or WireEncoding.Float16:
                {
                    var values = ReadPacked(ref reader, length, encoding);
                    RequireNoIndices(ref reader);
                    return WireFloats.Dense(values, encoding);
                }

            case WireEncoding.Sparse:
                {
                    var values = FloatArrayFormatter.Instance.Deserialize(ref reader, options) ?? [];
                    var indices = IntArrayFormatter.Instance.Deserialize(ref reader, options) ?? [];
                    if (indices.Length != values.Length)
                    {
                        throw new MessagePackSerializationException($"sparse vector with {indices.Length} indices and {values.Length} values");
                    }

                    for (var i = 0; i < indices.Length; i++)
                    {
                        if ((uint)indices[i] >= (uint)length || (i > 0 && indices[i] <= indices[i - 1]))
                        {
                            throw new MessagePackSerializationException($"sparse vector of {length} values: index {indices[i]} at {i} is out of range or not ascending");
                        }
                    }

                    return WireFloats.Sparse(length, indices, values);
                }

            default:
                throw new MessagePackSerializationException($"unknown float vector encoding {(byte)encoding}");
        }
    }

    private static void WritePacked(ref MessagePackWriter writer, ReadOnlySpan<float> values, WireEncoding encoding)
    {
        writer.WriteBinHeader(values.Length * sizeof(ushort));
        for (var i = 0; i < values.Length; i += PieceValues)
        {
            var part = values.Slice(i, Math.Min(PieceValues, values.Length - i));
            var bytes = writer.GetSpan(part.Length * sizeof(ushort))[..(part.Length * sizeof(ushort))];
            var packed = MemoryMarshal.Cast<byte, ushort>(bytes);
            if (encoding == WireEncoding.BFloat16)
            {
                ReducedPrecision.PackBFloat16(part, packed);
            }
            else
            {
                ReducedPrecision.PackHalf(part, packed);
            }

            if (!BitConverter.IsLittleEndian)
            {
                System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(packed, packed);
            }

            writer.Advance(bytes.Length);
        }
    }

    private static float[] ReadPacked(ref MessagePackReader reader, int length, WireEncoding encoding)
    {
        var bytes = RawBlocks.ReadBlock(ref reader, sizeof(ushort));
        if (bytes.Length != (long)length * sizeof(ushort))
        {
            throw new MessagePackSerializationException($"16-bit float vector says {length} values and holds {bytes.Length / sizeof(ushort)}");
        }

        var values = TensorPool.Rent(length);
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> all;
            if (bytes.IsSingleSegment && BitConverter.IsLittleEndian)
            {
                all = bytes.FirstSpan;
            }
            else
            {
                // Reassembled pieces may split a value between two segments: make the block contiguous.
                rented = ArrayPool<byte>.Shared.Rent((int)bytes.Length);
                bytes.CopyTo(rented);
                if (!BitConverter.IsLittleEndian)
                {
                    var swapped = MemoryMarshal.Cast<byte, ushort>(rented.AsSpan(0, (int)bytes.Length));
                    System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(swapped, swapped);
                }

                all = rented.AsSpan(0, (int)bytes.Length);
            }

            var packed = MemoryMarshal.Cast<byte, ushort>(all);
            if (encoding == WireEncoding.BFloat16)
            {
                ReducedPrecision.UnpackBFloat16(packed, values);
            }
            else
            {
                ReducedPrecision.UnpackHalf(packed, values);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return values;
    }

    private static void RequireNoIndices(ref MessagePackReader reader)
    {
        if (!reader.TryReadNil())
        {
            throw new MessagePackSerializationException("a dense float vector carries no indices");
        }
    }
}
