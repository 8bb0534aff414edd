using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Text;

/// <summary>
/// A probabilistic deterministic finite automaton over words: each state emits a word from its own
/// distribution, and the (state, word) pair fixes the next state. Because a word sequence therefore
/// determines the state path, the exact entropy rate of the emitted stream is
/// H = Σ_s π(s)·H(emissions of s), with π the stationary distribution of the state chain.
/// </summary>
public sealed class ProbabilisticAutomaton
{
    private const double StationaryTolerance = 1e-12;
    private const int MaxIterations = 10_000_000;

    private readonly Emission[][] _states;
    private readonly Dictionary<string, Emission>[] _byWord;

    public ProbabilisticAutomaton(IReadOnlyList<IReadOnlyList<Emission>> states, int startState)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count == 0)
        {
            throw new ArgumentException("an automaton needs at least one state", nameof(states));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(startState);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(startState, states.Count);

        _states = new Emission[states.Count][];
        _byWord = new Dictionary<string, Emission>[states.Count];
        for (var s = 0; s < states.Count; s++)
        {
            _states[s] = [.. states[s]];
            _byWord[s] = IndexState(s, _states[s], states.Count);
        }

        StartState = startState;
        RequireAllReachable();
    }

    public int StateCount => _states.Length;

    /// <summary>The state at the beginning of the text.</summary>
    public int StartState { get; }

    public IReadOnlyList<Emission> EmissionsOf(int state) => Array.AsReadOnly(_states[state]);

    /// <summary>The emission of <paramref name="word"/> from <paramref name="state"/>, if the state can emit it.</summary>
    public bool TryFollow(int state, string word, out Emission emission) => _byWord[state].TryGetValue(word, out emission);

    /// <summary>Every word some state can emit, in ordinal order.</summary>
    public IReadOnlyList<string> Words()
    {
        var words = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var state in _states)
        {
            foreach (var emission in state)
            {
                words.Add(emission.Word);
            }
        }

        return [.. words];
    }

    public Emission Sample(int state, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var emissions = _states[state];
        var u = rng.NextDouble();
        for (var i = 0; i < emissions.Length - 1; i++)
        {
            u -= emissions[i].Probability;
            if (u < 0)
            {
                return emissions[i];
            }
        }

        // Also catches a u left over by rounding in the probabilities' sum.
        return emissions[^1];
    }

    /// <summary>
    /// π with π = πP, by power iteration until no entry moves by more than 1e-12. It iterates the lazy
    /// chain (I + P)/2, which has the same π but cannot oscillate when P is periodic.
    /// </summary>
    public double[] StationaryDistribution()
    {
        var n = _states.Length;
        var pi = new double[n];
        var next = new double[n];
        Array.Fill(pi, 1.0 / n);
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            for (var s = 0; s < n; s++)
            {
                next[s] = 0.5 * pi[s];
            }

            for (var s = 0; s < n; s++)
            {
                foreach (var emission in _states[s])
                {
                    next[emission.Next] += 0.5 * pi[s] * emission.Probability;
                }
            }

            var change = 0.0;
            for (var s = 0; s < n; s++)
            {
                change = Math.Max(change, Math.Abs(next[s] - pi[s]));
            }

            (pi, next) = (next, pi);
            if (change < StationaryTolerance)
            {
                return pi;
            }
        }

        throw new InvalidOperationException($"the stationary distribution did not converge in {MaxIterations} iterations");
    }

    /// <summary>The entropy of the emitted word stream per word, in nats.</summary>
    public double EntropyRate()
    {
        var pi = StationaryDistribution();
        var entropy = 0.0;
        for (var s = 0; s < _states.Length; s++)
        {
            foreach (var emission in _states[s])
            {
                entropy -= pi[s] * emission.Probability * Math.Log(emission.Probability);
            }
        }

        return entropy;
    }

    /// <summary>The long-run frequency of each word: Σ_s π(s)·p(word | s).</summary>
    public IReadOnlyDictionary<string, double> UnigramDistribution()
    {
        var pi = StationaryDistribution();
        var frequencies = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var s = 0; s < _states.Length; s++)
        {
            foreach (var emission in _states[s])
            {
                frequencies[emission.Word] = frequencies.GetValueOrDefault(emission.Word) + (pi[s] * emission.Probability);
            }
        }

        return frequencies;
    }

    /// <summary>The entropy of <see cref="UnigramDistribution"/> in nats: what a model without context can reach.</summary>
    public double UnigramEntropy()
    {
        var entropy = 0.0;
        foreach (var p in UnigramDistribution().Values)
        {
            entropy -= p * Math.Log(p);
        }

        return entropy;
    }

    private static Dictionary<string, Emission> IndexState(int state, Emission[] emissions, int stateCount)
    {
        if (emissions.Length == 0)
        {
            throw new ArgumentException($"state {state} emits nothing", nameof(emissions));
        }

        var byWord = new Dictionary<string, Emission>(StringComparer.Ordinal);
        var total = 0.0;
        foreach (var emission in emissions)
        {
            if (string.IsNullOrEmpty(emission.Word) || emission.Word.Any(char.IsWhiteSpace))
            {
                throw new ArgumentException($"state {state} emits '{emission.Word}', which is not a word", nameof(emissions));
            }

            if (!(emission.Probability > 0 && emission.Probability <= 1))
            {
                throw new ArgumentException(
                    $"state {state} emits '{emission.Word}' with probability {emission.Probability}", nameof(emissions));
            }

            if (emission.Next < 0 || emission.Next >= stateCount)
            {
                throw new ArgumentException(
                    $"state {state} emits '{emission.Word}' into state {emission.Next}, which does not exist", nameof(emissions));
            }

            if (!byWord.TryAdd(emission.Word, emission))
            {
                throw new ArgumentException(
                    $"state {state} emits '{emission.Word}' twice, so the next state would be ambiguous", nameof(emissions));
            }

            total += emission.Probability;
        }

        if (Math.Abs(total - 1) > 1e-9)
        {
            throw new ArgumentException($"the probabilities of state {state} sum to {total}, not 1", nameof(emissions));
        }

        return byWord;
    }

    private void RequireAllReachable()
    {
        var reached = new bool[_states.Length];
        var pending = new Stack<int>();
        reached[StartState] = true;
        pending.Push(StartState);
        while (pending.Count > 0)
        {
            foreach (var emission in _states[pending.Pop()])
            {
                if (!reached[emission.Next])
                {
                    reached[emission.Next] = true;
                    pending.Push(emission.Next);
                }
            }
        }

        var unreached = Array.IndexOf(reached, false);
        if (unreached >= 0)
        {
            throw new ArgumentException($"state {unreached} cannot be reached from the start state {StartState}");
        }
    }
}
