using System.Text;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Tests.Checkpoints;

public sealed class CheckpointRoundTripTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Round_trip_through_a_file_is_bit_exact()
    {
        var original = TestCheckpoints.Small();
        var path = _dir.File("job.ckpt");

        CheckpointFile.Write(path, original);
        var restored = CheckpointFile.Read(path);

        TestCheckpoints.AssertSame(original, restored);
    }

    [Fact]
    public void Round_trip_through_a_stream_starts_at_the_current_position()
    {
        var original = TestCheckpoints.Small(seed: 42);
        using var stream = new MemoryStream();
        stream.Write("prefix"u8);

        CheckpointFile.Write(stream, original);
        stream.Position = 6;
        var restored = CheckpointFile.Read(stream, "memory");

        TestCheckpoints.AssertSame(original, restored);
    }

    [Theory]
    [InlineData("rnn", Checkpoint.CharTokenizer)]
    [InlineData("gru", Checkpoint.WordTokenizer)]
    [InlineData("lstm", Checkpoint.CharTokenizer)]
    public void Round_trip_preserves_each_cell_type(string cell, string tokenizer)
    {
        var original = TestCheckpoints.Of(new ModelSpec(CellTypes.Parse(cell), VocabSize: 11, Layers: 3, Hidden: 6, ForgetBias: -0.5f), tokenizer);
        var path = _dir.File($"{cell}.ckpt");

        CheckpointFile.Write(path, original);

        TestCheckpoints.AssertSame(original, CheckpointFile.Read(path));
    }

    [Fact]
    public void Optimizer_state_keeps_its_order()
    {
        var small = TestCheckpoints.Small();
        var state = new Dictionary<string, float[]>(StringComparer.Ordinal) { ["z"] = [1f], ["a"] = [2f, 3f], ["m"] = [] };
        var path = _dir.File("order.ckpt");

        CheckpointFile.Write(path, small with { OptimizerState = state });

        Assert.Equal(["z", "a", "m"], CheckpointFile.Read(path).OptimizerState.Keys);
    }

    [Fact]
    public void Header_is_snake_case_json_with_readable_unicode()
    {
        var path = _dir.File("header.ckpt");
        CheckpointFile.Write(path, TestCheckpoints.Small());

        var bytes = File.ReadAllBytes(path);
        var header = Encoding.UTF8.GetString(bytes, 24, RawCheckpointFile.HeaderLength(bytes));

        Assert.StartsWith("""{"spec":{"cell":"lstm","vocab_size":8,"layers":2,"hidden":5,"dropout":0.35,"init_scale":0.05,"forget_bias":1}""", header);
        Assert.Contains("\"日本語\"", header);
        Assert.Contains("\"progress\":" + TestCheckpoints.Progress, header);
        Assert.EndsWith("""{"name":"momentum","count":7},{"name":"empty","count":0}]}""", header);
    }
}
