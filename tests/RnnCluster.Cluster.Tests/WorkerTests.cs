using Akka.Actor;
using Akka.TestKit;
using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

public sealed class WorkerTests() : Akka.TestKit.Xunit2.TestKit(ClusterConfig.ForNode(new NodeOptions([NodeOptions.WorkerRole]), "akka.loglevel = WARNING"))
{
    private const string Job = "job-w";
    private const int Bptt = 5;
    private const int Streams = 2;
    private const int StreamLength = 40;
    private static readonly ModelSpec Spec = new(CellType.Lstm, 12, 1, 8);

    [Fact]
    public void Should_wait_for_the_weights_a_step_names_and_compute_as_soon_as_they_arrive()
    {
        var (ps, worker) = Start();
        var weights = InitialWeights();

        worker.Tell(StepMessage(step: 0, version: 0, withShard: true), ps.Ref);
        ps.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        worker.Tell(new WeightUpdate(Job, 0, new WeightPatch(true, weights, [], ReadOnlyMemory<float>.Empty)), ps.Ref);

        var result = ps.ExpectMsg<GradientResult>(TimeSpan.FromSeconds(10));
        var expected = ReferenceGradient(weights);
        var embedding = ParameterLayout.For(Spec)["embedding"].Length;
        Assert.Equal(expected.AsSpan(embedding).ToArray(), result.Dense.ToArray());
        Assert.Equal(Streams * Bptt, result.Tokens);
        Assert.True(result.ComputeMs > 0);
        Assert.True(result.PeakRssMb > 0);
    }

    [Fact]
    public void Should_compute_at_once_when_the_weights_came_first_and_refuse_when_a_delta_does_not_follow_its_version()
    {
        var (ps, worker) = Start();
        var weights = InitialWeights();
        var embedding = ParameterLayout.For(Spec)["embedding"].Length;
        worker.Tell(new WeightUpdate(Job, 0, new WeightPatch(true, weights, [], ReadOnlyMemory<float>.Empty)), ps.Ref);
        worker.Tell(StepMessage(step: 0, version: 0, withShard: true), ps.Ref);
        ps.ExpectMsg<GradientResult>(TimeSpan.FromSeconds(10));

        var delta = new WeightPatch(false, weights.AsMemory(embedding), [3], new float[Spec.Hidden]);
        worker.Tell(new WeightUpdate(Job, 1, delta), ps.Ref);
        worker.Tell(StepMessage(step: 1, version: 1, withShard: false), ps.Ref);
        Assert.Equal(1, ps.ExpectMsg<GradientResult>(TimeSpan.FromSeconds(10)).Step);

        worker.Tell(new WeightUpdate(Job, 3, delta), ps.Ref);
        worker.Tell(StepMessage(step: 2, version: 3, withShard: false), ps.Ref);
        var refused = ps.ExpectMsg<StepRefused>(TimeSpan.FromSeconds(10));
        Assert.Equal(2, refused.Step);
    }

    [Fact]
    public void Should_keep_the_shard_of_a_step_replaced_before_it_ran()
    {
        var (ps, worker) = Start();
        var weights = InitialWeights();

        worker.Tell(StepMessage(step: 0, version: 0, withShard: true), ps.Ref);   // waits for weights
        worker.Tell(StepMessage(step: 0, version: 0, withShard: false), ps.Ref);  // the retry assumes the shard is held
        worker.Tell(new WeightUpdate(Job, 0, new WeightPatch(true, weights, [], ReadOnlyMemory<float>.Empty)), ps.Ref);

        var result = ps.ExpectMsg<GradientResult>(TimeSpan.FromSeconds(10));
        var embedding = ParameterLayout.For(Spec)["embedding"].Length;
        Assert.Equal(ReferenceGradient(weights).AsSpan(embedding).ToArray(), result.Dense.ToArray());
    }

    [Fact]
    public void Should_ignore_a_released_job_from_its_server_but_serve_the_same_id_from_a_new_server()
    {
        var (oldServer, worker) = Start();
        var newServer = CreateTestProbe();
        var weights = InitialWeights();
        var full = new WeightUpdate(Job, 0, new WeightPatch(true, weights, [], ReadOnlyMemory<float>.Empty));
        worker.Tell(new ReleaseJob(Job), oldServer.Ref);

        worker.Tell(full, oldServer.Ref);
        worker.Tell(StepMessage(step: 0, version: 0, withShard: true), oldServer.Ref);
        worker.Tell(full, newServer.Ref);
        worker.Tell(StepMessage(step: 0, version: 0, withShard: true), newServer.Ref);

        Assert.Equal(0, newServer.ExpectMsg<GradientResult>(TimeSpan.FromSeconds(10)).Step);
        oldServer.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    private (TestProbe Ps, IActorRef Worker) Start()
    {
        var ps = CreateTestProbe();
        ps.IgnoreMessages(m => m is RegisterWorker);
        var worker = Sys.ActorOf(Worker.Props(ps.Ref, RunSettings.From(Sys.Settings.Config)));
        return (ps, worker);
    }

    private static float[] InitialWeights()
    {
        var model = new LanguageModel(Spec, 1, 1);
        model.Initialize(5);
        return model.Weights;
    }

    private static int[] Tokens() => [.. Enumerable.Range(0, Streams * StreamLength).Select(i => (i * 7) % Spec.VocabSize)];

    private static ComputeStep StepMessage(long step, long version, bool withShard)
    {
        var shard = withShard
            ? new ShardAssignment("lstm", Spec.VocabSize, Spec.Layers, Spec.Hidden, 0f, 0.1f, 0f, 0, Streams, StreamLength, Tokens(), [Streams], false)
            : null;
        var state = new float[Spec.Layers * Streams * Spec.Hidden];
        return new ComputeStep(Job, 1, step, (int)step, 0.5f, 7, Bptt, shard, version, state, state);
    }

    private static float[] ReferenceGradient(float[] weights)
    {
        var tokens = Tokens();
        var streams = new[] { tokens[..StreamLength], tokens[StreamLength..] };
        var gradient = new ShardGradient(new LanguageModel(Spec, Streams, Bptt, (float[])weights.Clone()), BatchStreams.FromStreams(streams), 0, Bptt);
        gradient.Compute(0, 0, 7, 0.5f);
        return gradient.Model.Gradients;
    }
}
