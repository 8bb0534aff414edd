using RnnCluster.Core.Numerics;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public class ProbabilisticAutomatonTests
{
    // A emits x (stay) or y (go to B) evenly; B always emits z and returns: π = (2/3, 1/3).
    private static ProbabilisticAutomaton TwoStates() =>
        new AutomatonBuilder()
            .Emit("A", 1, "A", "x")
            .Emit("A", 1, "B", "y")
            .Emit("B", 1, "A", "z")
            .Build("A");

    [Fact]
    public void Stationary_distribution_and_entropies_match_the_hand_calculation()
    {
        var automaton = TwoStates();

        var pi = automaton.StationaryDistribution();

        Assert.Equal(2.0 / 3, pi[0], 1e-11);
        Assert.Equal(1.0 / 3, pi[1], 1e-11);
        Assert.Equal(2.0 / 3 * Math.Log(2), automaton.EntropyRate(), 1e-11);
        Assert.Equal(Math.Log(3), automaton.UnigramEntropy(), 1e-11);
    }

    [Fact]
    public void Periodic_chains_converge()
    {
        var automaton = new AutomatonBuilder().Emit("A", 1, "B", "a").Emit("B", 1, "A", "b").Build("A");

        Assert.Equal([0.5, 0.5], automaton.StationaryDistribution());
        Assert.Equal(0.0, automaton.EntropyRate());
        Assert.Equal(Math.Log(2), automaton.UnigramEntropy(), 1e-12);
    }

    [Fact]
    public void Sampling_follows_the_probabilities()
    {
        var automaton = TwoStates();
        var rng = new Rng(5);
        var stays = 0;
        for (var i = 0; i < 20_000; i++)
        {
            stays += automaton.Sample(0, rng).Word == "x" ? 1 : 0;
        }

        Assert.InRange(stays / 20_000.0, 0.48, 0.52);
    }

    [Fact]
    public void A_word_emitted_twice_by_one_state_is_rejected()
    {
        var builder = new AutomatonBuilder().Emit("A", 1, "A", "x").Emit("A", 1, "B", "x").Emit("B", 1, "A", "z");

        var e = Assert.Throws<ArgumentException>(() => builder.Build("A"));
        Assert.Contains("'x' twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probabilities_must_sum_to_one()
    {
        IReadOnlyList<Emission>[] states = [[new Emission("x", 0.5, 0)]];

        Assert.Throws<ArgumentException>(() => new ProbabilisticAutomaton(states, 0));
    }

    [Fact]
    public void Unreachable_states_are_rejected()
    {
        IReadOnlyList<Emission>[] states = [[new Emission("x", 1, 0)], [new Emission("y", 1, 0)]];

        var e = Assert.Throws<ArgumentException>(() => new ProbabilisticAutomaton(states, 0));
        Assert.Contains("state 1", e.Message, StringComparison.Ordinal);
    }
}
