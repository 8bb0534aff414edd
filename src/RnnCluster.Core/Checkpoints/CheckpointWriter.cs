using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RnnCluster.Core.Checkpoints;

/// <summary>Encodes a checkpoint in the <see cref="CheckpointFormat"/> layout.</summary>
internal static class CheckpointWriter
{
    /// <summary>
    /// Writes without validating the checkpoint (callers validate first), which also lets tests
    /// produce well-formed files with inconsistent contents.
    /// </summary>
    public static void Encode(Stream stream, Checkpoint checkpoint)
    {
        // One snapshot of the blocks, so the directory and the data cannot disagree on order.
        List<KeyValuePair<string, float[]>> blocks = [new(CheckpointFormat.WeightsTensor, checkpoint.Weights), .. checkpoint.OptimizerState];
        var header = new CheckpointHeader(
            checkpoint.Spec,
            checkpoint.TokenizerKind,
            checkpoint.Vocabulary,
            checkpoint.ProgressJson,
            [.. blocks.Select(b => new TensorEntry(b.Key, b.Value.Length))],
            checkpoint.ClassLabels).ToUtf8();
        if (header.Length > CheckpointFormat.MaxHeaderBytes)
        {
            throw new ArgumentException(
                $"the checkpoint header is {header.Length} bytes, over the {CheckpointFormat.MaxHeaderBytes}-byte limit");
        }

        var total = CheckpointFormat.PreambleSize + header.Length + blocks.Sum(b => 4L * b.Value.Length) + CheckpointFormat.ChecksumSize;

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> preamble = stackalloc byte[CheckpointFormat.PreambleSize];
        CheckpointFormat.Magic.CopyTo(preamble);
        BinaryPrimitives.WriteInt32LittleEndian(preamble[8..], CheckpointFormat.Version);
        BinaryPrimitives.WriteInt32LittleEndian(preamble[12..], header.Length);
        BinaryPrimitives.WriteInt64LittleEndian(preamble[16..], total);
        hash.AppendData(preamble);
        stream.Write(preamble);
        hash.AppendData(header);
        stream.Write(header);
        foreach (var (_, values) in blocks)
        {
            LittleEndianFloats.Write(stream, hash, values);
        }

        Span<byte> checksum = stackalloc byte[CheckpointFormat.ChecksumSize];
        hash.GetHashAndReset(checksum);
        stream.Write(checksum);
    }
}
