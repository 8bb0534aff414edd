using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace RnnCluster.Core.Tests.Checkpoints;

/// <summary>
/// Builds checkpoint files byte by byte from the documented layout, independently of the writer, so
/// tests can produce well-sealed files with malformed contents.
/// </summary>
internal static class RawCheckpointFile
{
    public static byte[] Build(string headerJson, float[] floats, int version = 1)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var payload = MemoryMarshal.AsBytes(floats.AsSpan());
        var file = new byte[24 + header.Length + payload.Length + 32];
        "RNNCKPT1"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(8), version);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(12), header.Length);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(16), file.Length);
        header.CopyTo(file, 24);
        payload.CopyTo(file.AsSpan(24 + header.Length));
        return Reseal(file);
    }

    /// <summary>Recomputes the trailing SHA-256 after a test has edited the bytes before it.</summary>
    public static byte[] Reseal(byte[] file)
    {
        SHA256.HashData(file.AsSpan(0, file.Length - 32), file.AsSpan(file.Length - 32));
        return file;
    }

    public static int HeaderLength(byte[] file) => BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(12));

    /// <summary>A header for an RNN with vocabulary 2 and hidden 1 (10 weights) unless overridden.</summary>
    public static string Header(
        string spec = """{"cell":"rnn","vocab_size":2,"layers":1,"hidden":1,"dropout":0,"init_scale":0.1,"forget_bias":0}""",
        string tokenizer = "\"char\"",
        string vocabulary = """["a","b"]""",
        string progress = "{}",
        string tensors = """[{"name":"weights","count":10}]""") =>
        $$"""{"spec":{{spec}},"tokenizer":{{tokenizer}},"vocabulary":{{vocabulary}},"progress":{{progress}},"tensors":{{tensors}}}""";
}
