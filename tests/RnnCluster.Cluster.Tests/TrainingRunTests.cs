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

    private static TrainingRun NewRun()
    {
        var job = TestCluster.SmallJob(workers: 3) with { PsPlacement = "coordinator" }; // the central server's summation
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
