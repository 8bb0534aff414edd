namespace RnnCluster.Core.Text;

/// <summary>One arc of a <see cref="ProbabilisticAutomaton"/>: emit <see cref="Word"/> with <see cref="Probability"/>, then go to state <see cref="Next"/>.</summary>
public readonly record struct Emission(string Word, double Probability, int Next);
