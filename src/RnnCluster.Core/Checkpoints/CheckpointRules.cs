using System.Text;
using System.Text.Json;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// The consistency rules of a checkpoint. They take the weight count rather than the array so a
/// reader can apply them to a file's header before allocating anything.
/// </summary>
internal static class CheckpointRules
{
    public static void Check(
        ModelSpec spec,
        string tokenizerKind,
        IReadOnlyList<string> vocabulary,
        int weightCount,
        IEnumerable<string> optimizerNames,
        string progressJson,
        IReadOnlyList<string> labels)
    {
        CheckSpec(spec);
        if (tokenizerKind is not (Checkpoint.WordTokenizer or Checkpoint.CharTokenizer))
        {
            throw new ArgumentException(
                $"tokenizer kind '{tokenizerKind}' is neither '{Checkpoint.WordTokenizer}' nor '{Checkpoint.CharTokenizer}'");
        }

        CheckVocabulary(spec, vocabulary);
        CheckLabels(spec, labels);
        CheckWeightCount(spec, weightCount);
        CheckOptimizerNames(optimizerNames);
        CheckProgress(progressJson);
    }

    private static void CheckSpec(ModelSpec spec)
    {
        if (!Enum.IsDefined(spec.Cell))
        {
            throw new ArgumentException($"model spec: unknown cell type {(int)spec.Cell}");
        }

        if (!float.IsFinite(spec.ForgetBias))
        {
            throw new ArgumentException($"model spec: forget bias {spec.ForgetBias} is not finite");
        }

        try
        {
            spec.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"model spec: {e.Message}", e);
        }
    }

    private static void CheckVocabulary(ModelSpec spec, IReadOnlyList<string> vocabulary)
    {
        if (vocabulary.Count != spec.VocabSize)
        {
            throw new ArgumentException(
                $"the vocabulary has {vocabulary.Count} tokens but the model spec says {spec.VocabSize}");
        }

        var seen = new HashSet<string>(vocabulary.Count, StringComparer.Ordinal);
        for (var i = 0; i < vocabulary.Count; i++)
        {
            var token = vocabulary[i];
            if (token is null)
            {
                throw new ArgumentException($"vocabulary token {i} is null");
            }

            // JSON cannot carry a lone surrogate: the writer would silently replace it with U+FFFD.
            if (!IsWellFormedUtf16(token))
            {
                throw new ArgumentException($"vocabulary token {i} is not well-formed UTF-16 (lone surrogate)");
            }

            if (!seen.Add(token))
            {
                throw new ArgumentException($"vocabulary token {i} {Text.QuotedText.Quote(token)} appears more than once");
            }
        }
    }

    /// <summary>A classifier names each of its K classes once (non-empty, well-formed); a language model has no labels.</summary>
    private static void CheckLabels(ModelSpec spec, IReadOnlyList<string> labels)
    {
        if (labels.Count != spec.Classes)
        {
            throw new ArgumentException(spec.IsClassifier
                ? $"the model spec says {spec.Classes} classes but the file names {labels.Count} labels"
                : $"a language model has no class labels, but the file names {labels.Count}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < labels.Count; i++)
        {
            if (string.IsNullOrEmpty(labels[i]) || !IsWellFormedUtf16(labels[i]))
            {
                throw new ArgumentException($"class label {i} is empty or not well-formed UTF-16");
            }

            if (!seen.Add(labels[i]))
            {
                throw new ArgumentException($"class label {i} {Text.QuotedText.Quote(labels[i])} appears more than once");
            }
        }
    }

    private static void CheckWeightCount(ModelSpec spec, int weightCount)
    {
        // Sum in long: ParameterLayout's int arithmetic may wrap for an absurd spec read from a file.
        long needed;
        try
        {
            needed = ParameterLayout.For(spec).Tensors.Sum(t => (long)t.Rows * t.Cols);
        }
        catch (OverflowException)
        {
            needed = long.MaxValue;
        }

        if (needed != weightCount)
        {
            throw new ArgumentException(
                $"there are {weightCount} weights but the {spec.Cell.Name()} model "
                + $"({spec.Layers} layers × {spec.Hidden} hidden, vocabulary {spec.VocabSize}{(spec.IsClassifier ? $", {spec.Classes} classes" : string.Empty)}) needs {needed}");
        }
    }

    private static void CheckOptimizerNames(IEnumerable<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("an optimizer state array has an empty name");
            }

            if (name == CheckpointFormat.WeightsTensor)
            {
                throw new ArgumentException($"optimizer state may not be named '{CheckpointFormat.WeightsTensor}'");
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"optimizer state '{name}' appears more than once");
            }
        }
    }

    private static void CheckProgress(string progressJson)
    {
        try
        {
            using var document = JsonDocument.Parse(progressJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException(
                    $"progress JSON must be an object, not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
            }
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"progress JSON does not parse: {e.Message}", e);
        }
    }

    private static bool IsWellFormedUtf16(string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var used) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }
}
