using System.Text;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Text;

/// <summary>
/// Text from a small stochastic grammar (<see cref="BuiltInGrammar"/>) whose exact entropy rate is
/// known, so training on it shows perplexity falling toward a known optimum. One sentence per line,
/// words separated by single spaces: <see cref="WordTokenizer"/> turns the text back into exactly the
/// emitted tokens, each line break becoming the emitted <c>&lt;eos&gt;</c>.
/// </summary>
public static class BuiltInCorpus
{
    /// <summary>The automaton that generates the text.</summary>
    /// <remarks>Declared before the properties computed from it: static initializers run in text order.</remarks>
    public static ProbabilisticAutomaton Automaton { get; } = BuiltInGrammar.Create();

    /// <summary>The true entropy rate of the generated token stream, in nats per token.</summary>
    public static double EntropyPerToken { get; } = Automaton.EntropyRate();

    /// <summary>The perplexity of the generating process itself: no model can do better on average.</summary>
    public static double OptimalPerplexity => Math.Exp(EntropyPerToken);

    /// <summary>The perplexity of the best context-free model: exp of the unigram entropy.</summary>
    public static double UnigramPerplexity { get; } = Math.Exp(Automaton.UnigramEntropy());

    /// <summary>Sentences from the start state, stopping at the first sentence end after at least <paramref name="tokenCount"/> tokens.</summary>
    public static string Generate(int tokenCount, ulong seed)
    {
        var tokens = GenerateTokens(tokenCount, seed);
        var text = new StringBuilder(tokens.Count * 6);
        var lineStart = true;
        foreach (var token in tokens)
        {
            if (token == SpecialTokens.EndOfSentence)
            {
                text.Append('\n');
                lineStart = true;
                continue;
            }

            if (!lineStart)
            {
                text.Append(' ');
            }

            text.Append(token);
            lineStart = false;
        }

        return text.ToString();
    }

    /// <summary>The token stream <see cref="Generate"/> writes as text.</summary>
    public static List<string> GenerateTokens(int tokenCount, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokenCount);
        var rng = new Rng(seed);
        var tokens = new List<string>(tokenCount + 32);
        var state = Automaton.StartState;
        var sentenceEnded = true;
        while (tokens.Count < tokenCount || !sentenceEnded)
        {
            var emission = Automaton.Sample(state, rng);
            tokens.Add(emission.Word);
            state = emission.Next;
            sentenceEnded = emission.Word == SpecialTokens.EndOfSentence;
        }

        return tokens;
    }

    /// <summary>
    /// −Σ log p(token | state) in nats for tokens read from the start state: the loss of the ideal
    /// model on them.
    /// </summary>
    /// <exception cref="ArgumentException">The grammar cannot emit a token where it occurs.</exception>
    public static double NegativeLogLikelihood(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var state = Automaton.StartState;
        var total = 0.0;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!Automaton.TryFollow(state, tokens[i], out var emission))
            {
                throw new ArgumentException($"token {i} ('{tokens[i]}') cannot follow the tokens before it in the built-in grammar", nameof(tokens));
            }

            total -= Math.Log(emission.Probability);
            state = emission.Next;
        }

        return total;
    }

    /// <summary>A word-level dataset: training text from <paramref name="seed"/>, validation text from a seed derived from it.</summary>
    public static TextDataset Dataset(int trainTokens = 100_000, int validTokens = 10_000, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(validTokens, 1);
        var validSeed = Rng.Hash(seed, 0x76616C6964UL, 0, 0);
        return TextDatasetLoader.FromText(
            Generate(trainTokens, seed),
            Generate(validTokens, validSeed),
            testText: null,
            TokenizerKind.Word,
            trainName: "built-in corpus");
    }
}
