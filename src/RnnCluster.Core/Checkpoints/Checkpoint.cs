using RnnCluster.Core.Models;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Everything needed to resume a training job: the architecture, the vocabulary it was trained on,
/// the flat weight vector, the optimizer's per-weight state and the caller's progress record.
/// Record equality compares the arrays by reference, not by contents.
/// </summary>
/// <param name="TokenizerKind"><see cref="WordTokenizer"/> or <see cref="CharTokenizer"/>.</param>
/// <param name="Weights">Laid out by <see cref="ParameterLayout.For(ModelSpec)"/>.</param>
/// <param name="OptimizerState">Named arrays such as "momentum", "adam.m", "adam.v"; any count, any lengths.</param>
/// <param name="ProgressJson">A JSON object owned by the caller (epoch, step, cursors, learning rate…).</param>
/// <param name="Labels">A classifier's class names, in class-id order (<see cref="ModelSpec.Classes"/> of them); null or empty for a language model.</param>
public sealed record Checkpoint(
    ModelSpec Spec,
    string TokenizerKind,
    IReadOnlyList<string> Vocabulary,
    float[] Weights,
    IReadOnlyDictionary<string, float[]> OptimizerState,
    string ProgressJson,
    IReadOnlyList<string>? Labels = null)
{
    /// <summary><see cref="Labels"/>, empty when there are none.</summary>
    public IReadOnlyList<string> ClassLabels => Labels ?? [];

    public const string WordTokenizer = "word";

    public const string CharTokenizer = "char";

    /// <summary>Throws <see cref="ArgumentException"/> describing the first inconsistency.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Spec);
        ArgumentNullException.ThrowIfNull(TokenizerKind);
        ArgumentNullException.ThrowIfNull(Vocabulary);
        ArgumentNullException.ThrowIfNull(Weights);
        ArgumentNullException.ThrowIfNull(OptimizerState);
        ArgumentNullException.ThrowIfNull(ProgressJson);
        foreach (var (name, values) in OptimizerState)
        {
            if (values is null)
            {
                throw new ArgumentException($"optimizer state '{name}' has no array");
            }
        }

        CheckpointRules.Check(Spec, TokenizerKind, Vocabulary, Weights.Length, OptimizerState.Keys, ProgressJson, ClassLabels);
    }
}
