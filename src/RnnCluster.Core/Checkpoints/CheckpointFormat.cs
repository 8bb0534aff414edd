namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// The byte layout of a checkpoint file. Integers and floats are little-endian.
/// <code>
/// offset  size  content
///      0     8  magic "RNNCKPT1"
///      8     4  format version (int32)
///     12     4  header length in bytes (int32)
///     16     8  total file length in bytes, checksum included (int64)
///     24     n  header: UTF-8 JSON with spec, tokenizer, vocabulary, progress and the tensor directory
///   24+n   4·k  float32 blocks in directory order, "weights" first
///    end    32  SHA-256 of every byte before it
/// </code>
/// The total length lets a reader tell truncation from corruption before trusting the header.
/// </summary>
internal static class CheckpointFormat
{
    public const int Version = 1;

    public const int PreambleSize = 24;

    public const int ChecksumSize = 32;

    /// <summary>Caps the header allocation; a million-token vocabulary needs about 20 MB.</summary>
    public const int MaxHeaderBytes = 256 << 20;

    public const string WeightsTensor = "weights";

    public static ReadOnlySpan<byte> Magic => "RNNCKPT1"u8;
}
