namespace RnnCluster.Core.Text;

/// <summary>
/// Writes a <see cref="ProbabilisticAutomaton"/> with named states and relative weights; each state's
/// weights are normalized to probabilities when it is built.
/// </summary>
public sealed class AutomatonBuilder
{
    private readonly Dictionary<string, int> _stateIds = new(StringComparer.Ordinal);
    private readonly List<List<(string Word, double Weight, string Next)>> _arcs = [];
    private readonly List<string> _names = [];

    /// <summary>From state <paramref name="from"/>, emit any of <paramref name="words"/> (sharing <paramref name="weight"/> equally) and go to <paramref name="to"/>.</summary>
    public AutomatonBuilder Emit(string from, double weight, string to, params string[] words)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Length == 0)
        {
            throw new ArgumentException("give at least one word", nameof(words));
        }

        if (!(weight > 0) || double.IsInfinity(weight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "weights must be positive and finite");
        }

        var arcs = _arcs[StateId(from)];
        StateId(to);
        foreach (var word in words)
        {
            arcs.Add((word, weight / words.Length, to));
        }

        return this;
    }

    public ProbabilisticAutomaton Build(string startState)
    {
        if (!_stateIds.TryGetValue(startState, out var start))
        {
            throw new ArgumentException($"no state is named '{startState}'", nameof(startState));
        }

        var states = new List<IReadOnlyList<Emission>>(_arcs.Count);
        for (var s = 0; s < _arcs.Count; s++)
        {
            var arcs = _arcs[s];
            if (arcs.Count == 0)
            {
                throw new InvalidOperationException($"state '{_names[s]}' is entered but emits nothing");
            }

            var total = 0.0;
            foreach (var arc in arcs)
            {
                total += arc.Weight;
            }

            var emissions = new List<Emission>(arcs.Count);
            foreach (var arc in arcs)
            {
                emissions.Add(new Emission(arc.Word, arc.Weight / total, _stateIds[arc.Next]));
            }

            states.Add(emissions);
        }

        return new ProbabilisticAutomaton(states, start);
    }

    private int StateId(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_stateIds.TryGetValue(name, out var id))
        {
            id = _arcs.Count;
            _stateIds.Add(name, id);
            _names.Add(name);
            _arcs.Add([]);
        }

        return id;
    }
}
