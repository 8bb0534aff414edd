using System.Diagnostics;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Checkpoints;

public sealed class CheckpointPerformanceTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Ptb_sized_checkpoint_writes_and_reads_well_under_a_second()
    {
        // The PTB small configuration: 2 × 200 LSTM over a 10k vocabulary, 4,651,600 weights.
        var checkpoint = TestCheckpoints.Of(new ModelSpec(CellType.Lstm, VocabSize: 10_000, Layers: 2, Hidden: 200), Checkpoint.WordTokenizer);
        var path = _dir.File("ptb.ckpt");
        CheckpointFile.Write(path, checkpoint);

        var write = Stopwatch.StartNew();
        CheckpointFile.Write(path, checkpoint);
        write.Stop();
        var read = Stopwatch.StartNew();
        var restored = CheckpointFile.Read(path);
        read.Stop();

        output.WriteLine($"{checkpoint.Weights.Length} floats, {new FileInfo(path).Length} bytes: write {write.ElapsedMilliseconds} ms, read {read.ElapsedMilliseconds} ms");
        TestCheckpoints.AssertBitExact(checkpoint.Weights, restored.Weights);
        Assert.True(write.Elapsed < TimeSpan.FromSeconds(1), $"write took {write.ElapsedMilliseconds} ms");
        Assert.True(read.Elapsed < TimeSpan.FromSeconds(1), $"read took {read.ElapsedMilliseconds} ms");
    }
}
