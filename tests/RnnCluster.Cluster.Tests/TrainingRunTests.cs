using Akka.Actor;
using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;

namespace RnnCluster.Cluster.Tests;

public sealed class TrainingRunTests
{
    [Fact]
    public void Should_sum_gradients_along_the_tree_whatever_order_they_arrive_in()
    {
        var inOrder = NewRun();
        var shuffled = NewRun();
        var results = Gradients(inOrder);

        Assert.False(inOrder.Accept(results[0]));
        Assert.False(inOrder.Accept(results[1]));
        Assert.True(inOrder.Accept(results[2]));
        Assert.False(shuffled.Accept(results[2]));
        Assert.False(shuffled.Accept(results[1]));
        Assert.True(shuffled.HasGradientFrom("w2"));
        Assert.True(shuffled.Accept(results[0]));

        Assert.Equal(inOrder.Apply(), shuffled.Apply());
        Assert.Equal(inOrder.Weights.Select(BitConverter.SingleToInt32Bits), shuffled.Weights.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(1, inOrder.Step);
    }

    [Fact]
    public void Should_send_the_next_step_a_delta_of_the_rows_the_step_touched()
    {
        var run = NewRun();
        var (_, full) = run.WeightRecipients();
        Assert.Equal(3, full.Count);
        foreach (var r in Gradients(run))
        {
            run.Accept(r);
        }

        run.Apply();
        var (delta, fullAgain) = run.WeightRecipients();
        var update = run.DeltaUpdate();

        Assert.Equal(3, delta.Count);
        Assert.Empty(fullAgain);
        Assert.Equal([1, 2, 5], update.Patch.Rows);
        var h = run.Spec.Hidden;
        Assert.Equal(run.Weights.AsSpan(5 * h, h).ToArray(), update.Patch.RowValues.Span.Slice(2 * h, h).ToArray());
        Assert.Equal(1, update.Version);
    }

    [Fact]
    public void Should_commit_a_sharded_step_before_the_workers_confirm_its_weights_and_take_it_back_when_one_is_lost_first()
    {
        var run = NewRun("workers");
        var stateBefore = run.State.H.Concat(run.State.C).SelectMany(a => a).Select(BitConverter.SingleToInt32Bits).ToArray();
        var (lossBefore, tokensBefore) = (run.Loop.EpochLoss, run.TotalTokens);
        AcceptShardedStep(run, readyEarly: "w1");

        Assert.True(run.ReadyToCommit); // results and squares are in: no worker needs to have confirmed
        run.Commit();
        Assert.Equal(1, run.Step);
        run.AcceptReady(new WeightsReady(run.JobId, run.Generation, 1, "w0"));

        Assert.True(run.SettleUnconfirmedCommit()); // w2 has not confirmed: the step is trained again
        Assert.Equal(0, run.Step);
        Assert.Equal(0, run.Window);
        Assert.Equal((lossBefore, tokensBefore), (run.Loop.EpochLoss, run.TotalTokens));
        Assert.Equal(stateBefore, run.State.H.Concat(run.State.C).SelectMany(a => a).Select(BitConverter.SingleToInt32Bits));
        Assert.False(run.SettleUnconfirmedCommit());

        run.BeginStep();
        AcceptShardedStep(run, readyEarly: null);
        run.Commit();
        foreach (var id in new[] { "w0", "w1", "w2" })
        {
            run.AcceptReady(new WeightsReady(run.JobId, run.Generation, 1, id));
        }

        Assert.False(run.SettleUnconfirmedCommit()); // every worker holds the step's weights: it stands
        Assert.Equal(1, run.Step);
        Assert.False(run.NeedsFullWeights());
    }

    /// <summary>Every slot's result (carrying no gradient: it went to the key ranges) and every range's squares.</summary>
    private static void AcceptShardedStep(TrainingRun run, string? readyEarly)
    {
        foreach (var result in Gradients(run))
        {
            run.Accept(result with { Dense = Array.Empty<float>(), Rows = [], RowValues = Array.Empty<float>(), StateH = Filled(result.StateH), StateC = Filled(result.StateC) });
            if (result.WorkerId == readyEarly)
            {
                run.AcceptReady(new WeightsReady(run.JobId, run.Generation, run.Step + 1, readyEarly));
            }
        }

        for (var k = 0; k < run.Slots.Count; k++)
        {
            run.AcceptSquares(new RangeSquares(run.JobId, run.Generation, run.Step, k, [0.25 * (k + 1)], []));
        }
    }

    private static float[] Filled(float[] state) => [.. state.Select((_, j) => 0.001f * (j % 97))];

    private static TrainingRun NewRun(string placement = "coordinator")
    {
        var job = TestCluster.SmallJob(workers: 3) with { PsPlacement = placement }; // coordinator: the central server's summation
        var data = BuiltInCorpus.Dataset(job.BuiltinTrainTokens, job.BuiltinValidTokens, job.Training.Seed);
        var run = new TrainingRun(new StartRun("job-t", job, job.ToModelSpec(data.Vocabulary.Count), new LanguageModelData(data)));
        run.Recut([.. Enumerable.Range(0, 3).Select(i => new KeyValuePair<string, IActorRef>($"w{i}", ActorRefs.Nobody))]);
        run.BeginStep();
        return run;
    }

    /// <summary>One made-up gradient per slot, with values whose float sum depends on the order of addition.</summary>
    private static List<GradientResult> Gradients(TrainingRun run)
    {
        var h = run.Spec.Hidden;
        var embedding = ParameterLayout.For(run.Spec)["embedding"].Length;
        var random = new Random(3);
        int[][] rows = [[1, 5], [2], [1, 2]];
        return [.. run.Slots.Select((slot, i) =>
        {
            var dense = new float[run.Weights.Length - embedding];
            for (var j = 0; j < dense.Length; j++)
            {
                dense[j] = (float)(random.NextDouble() - 0.5) * MathF.Pow(10, random.Next(-3, 3));
            }

            var values = new float[rows[i].Length * h];
            values.AsSpan().Fill(0.01f * (i + 1));
            var state = new float[run.Spec.Layers * slot.Count * h];
            return new GradientResult(run.JobId, run.Generation, run.Step, slot.WorkerId, 10 + i, 10, dense, rows[i], values, state, state, 1, 0, 10);
        })];
    }
}
