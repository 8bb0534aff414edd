using System.Text.Json;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Checkpoints;

/// <summary>A <see cref="ModelSpec"/> as a JSON object with snake_case field names.</summary>
internal static class ModelSpecJson
{
    public static void Write(Utf8JsonWriter writer, ModelSpec spec)
    {
        writer.WriteStartObject();
        writer.WriteString("cell", spec.Cell.Name());
        writer.WriteNumber("vocab_size", spec.VocabSize);
        writer.WriteNumber("layers", spec.Layers);
        writer.WriteNumber("hidden", spec.Hidden);
        writer.WriteNumber("dropout", spec.Dropout);
        writer.WriteNumber("init_scale", spec.InitScale);
        writer.WriteNumber("forget_bias", spec.ForgetBias);
        if (spec.IsClassifier)
        {
            writer.WriteNumber("classes", spec.Classes); // absent for a language model, as in files written before classifiers
        }

        if (spec.MaxWords > 0)
        {
            writer.WriteNumber("max_words", spec.MaxWords);
        }

        if (spec.TieWeights)
        {
            writer.WriteBoolean("tie_weights", true); // absent when untied, as in files written before tying
        }

        writer.WriteEndObject();
    }

    public static ModelSpec Read(JsonObjectReader json) => new(
        ParseCell(json.String("cell")),
        json.Int32("vocab_size"),
        json.Int32("layers"),
        json.Int32("hidden"),
        json.Single("dropout"),
        json.Single("init_scale"),
        json.Single("forget_bias"))
    {
        Classes = json.Has("classes") ? json.Int32("classes") : 0,
        MaxWords = json.Has("max_words") ? json.Int32("max_words") : 0,
        TieWeights = json.Has("tie_weights") && json.Boolean("tie_weights"),
    };

    private static CellType ParseCell(string name)
    {
        try
        {
            return CellTypes.Parse(name);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"field 'spec.cell': {e.Message}", e);
        }
    }
}
