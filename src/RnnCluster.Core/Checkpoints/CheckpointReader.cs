using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Decodes a <see cref="CheckpointFormat"/> stream in two passes: the first checks lengths against the
/// stream and verifies the checksum, so the second parses only bytes known to be what was written.
/// Nothing is allocated from a length the stream cannot back.
/// </summary>
internal static class CheckpointReader
{
    private const int HashChunkBytes = 1 << 20;

    public static Checkpoint Decode(Stream stream, string name)
    {
        try
        {
            var start = stream.Position;
            Span<byte> preamble = stackalloc byte[CheckpointFormat.PreambleSize];
            var (headerLength, total) = ReadPreamble(stream, preamble, stream.Length - start, name);
            VerifyChecksum(stream, preamble, total, name);

            stream.Position = start + CheckpointFormat.PreambleSize;
            var header = ReadHeader(stream, headerLength, name);
            CheckTensors(header, total - CheckpointFormat.PreambleSize - headerLength - CheckpointFormat.ChecksumSize, name);

            var weights = LittleEndianFloats.Read(stream, header.Tensors[0].Count);
            var optimizerState = new Dictionary<string, float[]>(header.Tensors.Count - 1, StringComparer.Ordinal);
            foreach (var tensor in header.Tensors.Skip(1))
            {
                optimizerState.Add(tensor.Name, LittleEndianFloats.Read(stream, tensor.Count));
            }

            return new Checkpoint(header.Spec, header.TokenizerKind, header.Vocabulary, weights, optimizerState, header.ProgressJson, header.Labels);
        }
        catch (EndOfStreamException e)
        {
            // Only reachable if the stream shrinks while being read: its length was checked up front.
            throw new CheckpointException(name, "is truncated: it ended while being read", e);
        }
    }

    private static (int HeaderLength, long Total) ReadPreamble(Stream stream, Span<byte> preamble, long available, string name)
    {
        var got = stream.ReadAtLeast(preamble, preamble.Length, throwOnEndOfStream: false);
        if (got == 0)
        {
            throw new CheckpointException(name, "is empty", null);
        }

        var magicLength = Math.Min(got, CheckpointFormat.Magic.Length);
        if (!preamble[..magicLength].SequenceEqual(CheckpointFormat.Magic[..magicLength]))
        {
            throw new CheckpointException(name, "is not an RnnCluster checkpoint (it does not start with \"RNNCKPT1\")", null) { Foreign = true };
        }

        if (got < 12)
        {
            throw Truncated(name, got, "the format version");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(preamble[8..]);
        if (version != CheckpointFormat.Version)
        {
            throw new CheckpointException(
                name, $"has unsupported format version {version} (this build reads version {CheckpointFormat.Version})", null);
        }

        if (got < CheckpointFormat.PreambleSize)
        {
            throw Truncated(name, got, "the preamble");
        }

        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(preamble[12..]);
        var total = BinaryPrimitives.ReadInt64LittleEndian(preamble[16..]);
        if (total > available)
        {
            throw new CheckpointException(name, $"is truncated: it has {available} bytes but its preamble declares {total}", null);
        }

        if (headerLength < 0 || headerLength > CheckpointFormat.MaxHeaderBytes
            || total < (long)CheckpointFormat.PreambleSize + headerLength + CheckpointFormat.ChecksumSize)
        {
            throw new CheckpointException(
                name, $"is corrupt: its preamble declares a {headerLength}-byte header in a {total}-byte file", null);
        }

        if (total < available)
        {
            throw new CheckpointException(
                name, $"is corrupt: it has {available} bytes but its preamble declares {total}", null);
        }

        return (headerLength, total);
    }

    private static CheckpointException Truncated(string name, int length, string missing) =>
        new(name, $"is truncated: its {length} bytes end before {missing}", null);

    private static void VerifyChecksum(Stream stream, ReadOnlySpan<byte> preamble, long total, string name)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(preamble);
        var buffer = ArrayPool<byte>.Shared.Rent(HashChunkBytes);
        try
        {
            var remaining = total - CheckpointFormat.PreambleSize - CheckpointFormat.ChecksumSize;
            while (remaining > 0)
            {
                var chunk = buffer.AsSpan(0, (int)Math.Min(remaining, buffer.Length));
                stream.ReadExactly(chunk);
                hash.AppendData(chunk);
                remaining -= chunk.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Span<byte> stored = stackalloc byte[CheckpointFormat.ChecksumSize];
        Span<byte> computed = stackalloc byte[CheckpointFormat.ChecksumSize];
        stream.ReadExactly(stored);
        hash.GetHashAndReset(computed);
        if (!stored.SequenceEqual(computed))
        {
            throw new CheckpointException(name, "is corrupt: its SHA-256 checksum does not match its contents", null);
        }
    }

    private static CheckpointHeader ReadHeader(Stream stream, int headerLength, string name)
    {
        var utf8 = new byte[headerLength];
        stream.ReadExactly(utf8);
        try
        {
            return CheckpointHeader.Parse(utf8);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new CheckpointException(name, $"has an invalid header: {e.Message}", e);
        }
    }

    /// <summary>Checks the directory against the bytes present and the rules, before any float array exists.</summary>
    private static void CheckTensors(CheckpointHeader header, long floatBytes, string name)
    {
        var tensors = header.Tensors;
        if (tensors.Count == 0 || tensors[0].Name != CheckpointFormat.WeightsTensor)
        {
            throw new CheckpointException(
                name, $"has an invalid header: the tensor directory must start with '{CheckpointFormat.WeightsTensor}'", null);
        }

        var declared = tensors.Sum(t => 4L * t.Count);
        if (declared != floatBytes)
        {
            throw new CheckpointException(
                name, $"has an invalid header: the tensor directory declares {declared} bytes of floats but the file holds {floatBytes}", null);
        }

        try
        {
            CheckpointRules.Check(
                header.Spec, header.TokenizerKind, header.Vocabulary, tensors[0].Count, tensors.Skip(1).Select(t => t.Name), header.ProgressJson, header.Labels);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(name, $"is invalid: {e.Message}", e);
        }
    }
}
