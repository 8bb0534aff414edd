using System.Runtime.Serialization;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Cluster.Tests;

public sealed class WireFloatsTests
{
    private static float[] Values(int count)
    {
        var rng = new Rng(3);
        return [.. Enumerable.Range(0, count).Select(_ => rng.NextFloat(-2, 2))];
    }

    private static GradientSlice SliceOf(WireFloats dense) => new("job", 1, 2, 0, 1, dense, [], WireFloats.Empty);

    private static WireFloats RoundTrip(WireFloats dense, int pieceBytes = 0)
    {
        var bytes = MessageCodec.Serialize(SliceOf(dense));
        if (pieceBytes == 0)
        {
            return ((GradientSlice)MessageCodec.Deserialize(bytes, MessageCodec.ManifestOf(SliceOf(dense)))).Dense;
        }

        var pieces = new List<ReadOnlyMemory<byte>>();
        for (var offset = 0; offset < bytes.Length; offset += pieceBytes)
        {
            pieces.Add(bytes.AsMemory(offset, Math.Min(pieceBytes, bytes.Length - offset)));
        }

        return ((GradientSlice)MessageCodec.Deserialize(SequenceOfPieces.Join(pieces), MessageCodec.ManifestOf(SliceOf(dense)))).Dense;
    }

    [Theory]
    [InlineData(WireEncoding.BFloat16, 0)]
    [InlineData(WireEncoding.Float16, 0)]
    [InlineData(WireEncoding.BFloat16, 333)] // odd pieces: values split between two pieces
    [InlineData(WireEncoding.Float16, 1001)]
    public void Sixteen_bit_vectors_take_two_bytes_a_value_and_decode_to_what_the_sender_rounded(WireEncoding encoding, int pieceBytes)
    {
        var values = Values(100_000);
        var rounded = values.ToArray();
        if (encoding == WireEncoding.BFloat16)
        {
            ReducedPrecision.RoundToBFloat16(rounded);
        }
        else
        {
            ReducedPrecision.RoundToHalf(rounded);
        }

        var size = MessageCodec.Serialize(SliceOf(WireFloats.Dense(rounded, encoding))).Length;
        var back = RoundTrip(WireFloats.Dense(rounded, encoding), pieceBytes);

        Assert.InRange(size, 200_000, 200_150); // 2 bytes a value; the slice's other fields (ids, offsets, part count) take ~115
        Assert.False(back.IsSparse);
        Assert.Equal(rounded, back.ToArray());
        Assert.Equal(values.Length, back.Length);
    }

    [Fact]
    public void Sparse_vectors_take_eight_bytes_an_entry_and_decode_with_zeros_elsewhere()
    {
        var sparse = WireFloats.Sparse(1_000_000, [3, 70_000, 999_999], new[] { 1.5f, -2f, 3f });

        var back = RoundTrip(sparse);

        var none = WireFloats.Sparse(1_000_000, [], ReadOnlyMemory<float>.Empty);
        Assert.Equal(3 * 8, MessageCodec.Serialize(SliceOf(sparse)).Length - MessageCodec.Serialize(SliceOf(none)).Length);
        Assert.True(back.IsSparse);
        var dense = back.ToArray();
        Assert.Equal(1_000_000, dense.Length);
        Assert.Equal((1.5f, -2f, 3f, 2.5f), (dense[3], dense[70_000], dense[999_999], dense.Sum()));
        var target = new float[1_000_000];
        target[3] = 1f;
        back.AddTo(target);
        Assert.Equal(2.5f, target[3]);
    }

    [Theory]
    [InlineData(new[] { 1, 1 })]   // not ascending
    [InlineData(new[] { 5, 2 })]
    [InlineData(new[] { -1, 2 })]  // out of range
    [InlineData(new[] { 1, 10 })]
    public void A_malformed_sparse_vector_is_refused(int[] indices)
    {
        var bytes = MessageCodec.Serialize(SliceOf(WireFloats.Sparse(10, indices, new[] { 1f, 2f })));
        Assert.Throws<SerializationException>(() => MessageCodec.Deserialize(bytes, MessageCodec.ManifestOf(SliceOf(WireFloats.Empty))));
    }

    [Theory]
    [InlineData(1, 9, 16)]   // bf16 saying 9 values with 8 values' bytes
    [InlineData(0, 4, 12)]   // float32 saying 4 values with 3
    [InlineData(7, 4, 16)]   // an unknown encoding
    [InlineData(1, -1, 0)]   // a negative length
    public void A_vector_whose_header_does_not_match_its_bytes_is_refused(byte encoding, int length, int bytes)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePack.MessagePackWriter(buffer);
        writer.WriteArrayHeader(4);
        writer.Write(encoding);
        writer.Write(length);
        writer.Write(new byte[bytes]);
        writer.WriteNil();
        writer.Flush();

        Assert.Throws<MessagePack.MessagePackSerializationException>(() =>
        {
            var reader = new MessagePack.MessagePackReader(buffer.WrittenMemory);
            WireFloatsFormatter.Instance.Deserialize(ref reader, MessageCodec.Options);
        });
    }
}
