using System.Buffers.Binary;
using System.Text;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Tests.Checkpoints;

public sealed class CheckpointRejectionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Missing_file_is_reported()
    {
        var path = _dir.File("absent.ckpt");

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Equal(path, e.FileName);
    }

    [Fact]
    public void Missing_directory_is_reported()
    {
        var path = _dir.File(Path.Combine("absent", "job.ckpt"));

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Directory_instead_of_file_is_reported()
    {
        var path = _dir.Path;

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Empty_file_is_reported()
    {
        var e = ReadRejected("empty.ckpt", []);

        Assert.Contains("is empty", e.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(100)]
    [InlineData(100_000)]
    public void Random_bytes_are_not_a_checkpoint(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        bytes[0] = (byte)'X';

        var e = ReadRejected("random.bin", bytes);

        Assert.Contains("not an RnnCluster checkpoint", e.Message);
    }

    [Fact]
    public void Text_file_is_not_a_checkpoint()
    {
        var e = ReadRejected("notes.txt", Encoding.UTF8.GetBytes("epoch 3, step 1200: loss 4.81\nRNN checkpoints live elsewhere.\n"));

        Assert.Contains("not an RnnCluster checkpoint", e.Message);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(20)]
    [InlineData(24)]
    [InlineData(200)]
    [InlineData(-4000)]
    [InlineData(-33)]
    [InlineData(-32)]
    [InlineData(-1)]
    public void Truncated_file_is_reported(int cut)
    {
        var bytes = Encode(TestCheckpoints.Small());
        var length = cut >= 0 ? cut : bytes.Length + cut;

        var e = ReadRejected("cut.ckpt", bytes[..length]);

        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(400)]
    [InlineData(-5000)]
    [InlineData(-40)]
    [InlineData(-1)]
    public void Flipped_byte_is_reported_as_corrupt(int position)
    {
        var bytes = Encode(TestCheckpoints.Small());
        var index = position >= 0 ? position : bytes.Length + position;
        bytes[index] ^= 0x10;

        var e = ReadRejected("flipped.ckpt", bytes);

        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void Bytes_after_the_checksum_are_reported_as_corrupt()
    {
        var e = ReadRejected("long.ckpt", [.. Encode(TestCheckpoints.Small()), 0]);

        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void Unsupported_version_is_reported()
    {
        var bytes = Encode(TestCheckpoints.Small());
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 2);

        var e = ReadRejected("future.ckpt", RawCheckpointFile.Reseal(bytes));

        Assert.Contains("unsupported format version 2", e.Message);
    }

    [Fact]
    public void Wrong_weight_count_is_reported()
    {
        var small = TestCheckpoints.Small();

        var e = ReadRejected("short.ckpt", Encode(small with { Weights = new float[10] }));

        Assert.Contains("10 weights", e.Message);
        Assert.Contains($"needs {small.Weights.Length}", e.Message);
    }

    [Fact]
    public void Wrong_vocabulary_count_is_reported()
    {
        var small = TestCheckpoints.Small();

        var e = ReadRejected("vocab.ckpt", Encode(small with { Vocabulary = [.. small.Vocabulary.Skip(1)] }));

        Assert.Contains("vocabulary has 7 tokens", e.Message);
    }

    [Fact]
    public void Invalid_spec_is_reported()
    {
        var checkpoint = TestCheckpoints.Of(new ModelSpec(CellType.Gru, VocabSize: 4, Layers: 1, Hidden: 3, Dropout: 1.5f));

        var e = ReadRejected("spec.ckpt", Encode(checkpoint));

        Assert.Contains("model spec", e.Message);
        Assert.Contains("dropout", e.Message);
    }

    [Fact]
    public void Well_formed_raw_file_is_accepted()
    {
        var path = Save("raw.ckpt", RawCheckpointFile.Build(RawCheckpointFile.Header(), new float[10]));

        var checkpoint = CheckpointFile.Read(path);

        Assert.Equal(new ModelSpec(CellType.Rnn, 2, 1, 1), checkpoint.Spec);
        Assert.Equal(["a", "b"], checkpoint.Vocabulary);
    }

    [Theory]
    [InlineData("{not json", "invalid header")]
    [InlineData("[1,2,3]", "must be a JSON object")]
    [InlineData("""{"spec":{}}""", "spec.cell' is missing")]
    public void Malformed_header_is_reported(string header, string expected)
    {
        var e = ReadRejected("header.ckpt", RawCheckpointFile.Build(header, new float[10]));

        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("tokenizer", "\"bpe\"", "tokenizer kind 'bpe'")]
    [InlineData("tokenizer", "7", "field 'tokenizer' must be a JSON string")]
    [InlineData("vocabulary", """["a","a"]""", "appears more than once")]
    [InlineData("vocabulary", """["a",2]""", "item 1 must be a string")]
    [InlineData("progress", "[]", "field 'progress' must be a JSON object")]
    [InlineData("spec", """{"cell":"lstm2","vocab_size":2,"layers":1,"hidden":1,"dropout":0,"init_scale":0.1,"forget_bias":0}""", "unknown model 'lstm2'")]
    [InlineData("spec", """{"cell":"rnn","vocab_size":2,"layers":1.5,"hidden":1,"dropout":0,"init_scale":0.1,"forget_bias":0}""", "spec.layers' must be a 32-bit integer")]
    [InlineData("tensors", "[]", "must start with 'weights'")]
    [InlineData("tensors", """[{"name":"weights","count":10},{"name":"weights","count":0}]""", "may not be named 'weights'")]
    [InlineData("tensors", """[{"name":"weights","count":10},{"name":"m","count":0},{"name":"m","count":0}]""", "'m' appears more than once")]
    [InlineData("tensors", """[{"name":"weights","count":-1}]""", "impossible count -1")]
    public void Inconsistent_header_is_reported(string field, string value, string expected)
    {
        var header = field switch
        {
            "tokenizer" => RawCheckpointFile.Header(tokenizer: value),
            "vocabulary" => RawCheckpointFile.Header(vocabulary: value),
            "progress" => RawCheckpointFile.Header(progress: value),
            "spec" => RawCheckpointFile.Header(spec: value),
            _ => RawCheckpointFile.Header(tensors: value),
        };

        var e = ReadRejected("header.ckpt", RawCheckpointFile.Build(header, new float[10]));

        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("total")]
    [InlineData("header")]
    [InlineData("tensor")]
    [InlineData("vocabulary")]
    [InlineData("layout")]
    public void Absurd_sizes_are_rejected_without_allocating_them(string absurd)
    {
        var bytes = absurd switch
        {
            "tensor" => RawCheckpointFile.Build(RawCheckpointFile.Header(tensors: """[{"name":"weights","count":2000000000}]"""), new float[10]),
            "vocabulary" => RawCheckpointFile.Build(
                RawCheckpointFile.Header(spec: """{"cell":"rnn","vocab_size":2000000000,"layers":1,"hidden":1,"dropout":0,"init_scale":0.1,"forget_bias":0}"""),
                new float[10]),
            "layout" => RawCheckpointFile.Build(
                RawCheckpointFile.Header(spec: """{"cell":"lstm","vocab_size":2,"layers":16,"hidden":8192,"dropout":0,"init_scale":0.1,"forget_bias":0}"""),
                new float[10]),
            _ => RawCheckpointFile.Build(RawCheckpointFile.Header(), new float[10]),
        };
        if (absurd == "total")
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), long.MaxValue);
        }
        else if (absurd == "header")
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), int.MaxValue);
        }

        var path = Save("absurd.ckpt", bytes);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Contains(path, e.Message);
        Assert.True(allocated < 4 << 20, $"reading allocated {allocated} bytes: {e.Message}");
    }

    [Fact]
    public void Stream_errors_name_the_given_source()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("plain text"));

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(stream, "upload from worker-3"));

        Assert.Contains("'upload from worker-3'", e.Message);
    }

    private static byte[] Encode(Checkpoint checkpoint)
    {
        using var stream = new MemoryStream();
        CheckpointWriter.Encode(stream, checkpoint);
        return stream.ToArray();
    }

    private string Save(string name, byte[] bytes)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private CheckpointException ReadRejected(string name, byte[] bytes)
    {
        var path = Save(name, bytes);
        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));
        Assert.Contains($"'{path}'", e.Message);
        return e;
    }
}
