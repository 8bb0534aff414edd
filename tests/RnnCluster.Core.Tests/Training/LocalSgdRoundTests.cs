using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public sealed class LocalSgdRoundTests
{
    private static readonly ModelSpec Tiny = new(CellType.Rnn, 5, Layers: 1, Hidden: 3);

    [Theory]
    [InlineData(4, 0, 0, new[] { 4, 4, 2 })]            // the epoch's end cuts the last round
    [InlineData(4, 5, 0, new[] { 4, 1, 4, 1 })]         // so do checkpoint steps (multiples of 5) …
    [InlineData(16, 0, 7, new[] { 7 })]                 // … and the step limit
    [InlineData(1, 3, 0, new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    public void A_round_ends_at_the_epoch_end_the_step_limit_and_checkpoint_steps(int syncEvery, int checkpointEvery, long maxSteps, int[] expected)
    {
        var loop = new TrainingLoop(Tiny, new TrainingOptions { Batch = 2, Bptt = 2, MaxSteps = maxSteps }, windowsPerEpoch: 10);
        var rounds = new List<int>();
        while (!loop.EpochDone && !loop.StepsExhausted)
        {
            var windows = loop.RoundWindows(syncEvery, checkpointEvery);
            rounds.Add(windows);
            loop.Advance(new StepGradient(windows, windows), windows);
        }

        Assert.Equal(expected, rounds);
        Assert.Equal(expected.Sum(), loop.TotalTokens);
    }

    [Fact]
    public void Advancing_past_the_epoch_end_is_refused()
    {
        var loop = new TrainingLoop(Tiny, new TrainingOptions { Batch = 2, Bptt = 2 }, windowsPerEpoch: 3);

        Assert.Throws<InvalidOperationException>(() => loop.Advance(new StepGradient(0, 0), 4));
        Assert.Throws<InvalidOperationException>(() => loop.Advance(new StepGradient(0, 0), 0));
        Assert.Equal(0, loop.Step);
    }
}
