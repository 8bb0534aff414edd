using System.Text.Json;
using System.Text.Json.Nodes;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Training;

/// <summary>
/// The JSON job file of a <see cref="JobDefinition"/>: one flat object holding the job's own fields, its
/// <see cref="ModelSpec"/>'s (but the vocabulary size) and its <see cref="TrainingOptions"/>' fields, each
/// named as its flag in snake_case (<c>--decay-after</c> is <c>decay_after</c>). A field not given takes
/// the default of the record that owns it, so every default is written once, on its record.
/// </summary>
public static class JobFileJson
{
    private const string VocabSize = "vocab_size";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new CellTypeJsonConverter() },
    };

    /// <summary>The flat object, nulls left out.</summary>
    public static string Write(JobDefinition job)
    {
        var flat = new JsonObject();
        foreach (var part in Parts(job))
        {
            foreach (var (key, value) in part)
            {
                if (value is not null && key != VocabSize)
                {
                    flat[key] = value.DeepClone();
                }
            }
        }

        return flat.ToJsonString();
    }

    /// <summary>
    /// Reads a job file over the defaults of its task: <paramref name="task"/> when given (a --task flag),
    /// else the file's <c>"task"</c>, else lm (see <see cref="JobDefinition.DefaultsFor"/>).
    /// </summary>
    /// <exception cref="ArgumentException">When the text is not a JSON object, names an unknown field or holds a value of the wrong kind.</exception>
    public static JobDefinition Read(string json, string? task = null)
    {
        var given = Fields(json);
        task ??= given.TryGetPropertyValue("task", out var taskField) && taskField is JsonValue taskValue && taskValue.TryGetValue<string>(out var named) ? named : null;
        var parts = Parts(JobDefinition.DefaultsFor(task));
        foreach (var (key, value) in given)
        {
            var owner = key == VocabSize ? null : Array.Find(parts, p => p.ContainsKey(key));
            if (owner is null)
            {
                throw new ArgumentException($"job file: unknown field {Text.QuotedText.Quote(key)} (fields are the job flags in snake_case, e.g. \"lr\", \"hidden\", \"decay_after\")");
            }

            if (value is null && owner[key] is { } defaultValue)
            {
                throw new ArgumentException($"job file: \"{key}\": null is not a value; leave the field out for its default ({defaultValue.ToJsonString()})");
            }

            owner[key] = AsFieldType(key, value)?.DeepClone();
        }

        try
        {
            return Deserialize<JobDefinition>(parts[0]) with
            {
                Model = Deserialize<ModelSpec>(parts[1]),
                Training = Deserialize<TrainingOptions>(parts[2]),
            };
        }
        catch (JsonException e) when (e.InnerException is ArgumentException)
        {
            throw new ArgumentException($"job file: {e.Message}", e);
        }
        catch (JsonException e) when (e.Path is ['$', '.', .. var field] && given.ContainsKey(field))
        {
            throw new ArgumentException($"job file: \"{field}\": {given[field]?.ToJsonString() ?? "null"} is not {Expected(field, given[field])}", e);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"job file is not a valid job: {e.Message}", e);
        }
    }

    /// <summary>The top-level fields of the job file, each once.</summary>
    /// <exception cref="ArgumentException">When the text is empty, not JSON, not an object, or names a field twice.</exception>
    private static JsonObject Fields(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new ArgumentException("job file is empty: expected one JSON object of fields, e.g. {\"lr\": 0.5}");
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("job file: expected one JSON object of fields, e.g. {\"lr\": 0.5}");
            }

            var fields = new JsonObject();
            foreach (var field in document.RootElement.EnumerateObject())
            {
                if (fields.ContainsKey(field.Name))
                {
                    throw new ArgumentException($"job file: field \"{field.Name}\" appears twice");
                }

                fields[field.Name] = JsonNode.Parse(field.Value.GetRawText());
            }

            return fields;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"job file is not valid JSON: error at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} (expected one object such as {{\"lr\": 0.5, \"hidden\": 64}})", e);
        }
    }

    /// <summary>
    /// <paramref name="value"/> as the field's type reads it: a whole number written with an exponent or
    /// a fraction of zero (<c>1e3</c>, <c>300.0</c>) as an integer for a whole-number field.
    /// </summary>
    /// <exception cref="ArgumentException">When a number for a 32-bit float field is too small or too large for one (<c>1e-300</c> would be read as 0).</exception>
    private static JsonNode? AsFieldType(string field, JsonNode? value)
    {
        if (value is not JsonValue number || number.GetValueKind() != JsonValueKind.Number || !number.TryGetValue<double>(out var d))
        {
            return value;
        }

        var type = FieldType(field);
        if (type == typeof(float) && FloatRange.Problem(d) is { } problem)
        {
            throw new ArgumentException($"job file: \"{field}\": {number.ToJsonString()} {problem}");
        }

        var whole = double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) <= 1L << 53;
        return whole && (type == typeof(int) || type == typeof(long) || type == typeof(ulong)) ? JsonValue.Create((long)d) : value;
    }

    private static Type FieldType(string field)
    {
        var type = new[] { typeof(JobDefinition), typeof(ModelSpec), typeof(TrainingOptions) }
            .SelectMany(t => Options.GetTypeInfo(t).Properties)
            .First(p => p.Name == field).PropertyType;
        return Nullable.GetUnderlyingType(type) ?? type;
    }

    /// <summary>What the field named <paramref name="field"/> takes, for error messages.</summary>
    private static string Expected(string field, JsonNode? value)
    {
        var type = FieldType(field);
        var whole = value is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d) && Math.Floor(d) == d;
        return type switch
        {
            _ when type == typeof(int) => whole ? $"a whole number up to {int.MaxValue}" : "a whole number",
            _ when type == typeof(long) => whole ? $"a whole number up to {long.MaxValue}" : "a whole number",
            _ when type == typeof(ulong) => whole ? $"a whole number from 0 to {ulong.MaxValue}" : "a whole number >= 0",
            _ when type == typeof(float) || type == typeof(double) => "a number",
            _ when type == typeof(bool) => "true or false",
            _ => "a string",
        };
    }

    /// <summary>The job's own fields, its model's and its training options' as three objects (nulls kept, so every name is present).</summary>
    private static JsonObject[] Parts(JobDefinition job) =>
    [
        JsonSerializer.SerializeToNode(job, Options)!.AsObject(),
        JsonSerializer.SerializeToNode(job.Model, Options)!.AsObject(),
        JsonSerializer.SerializeToNode(job.Training, Options)!.AsObject(),
    ];

    private static T Deserialize<T>(JsonObject node)
        => node.Deserialize<T>(Options) ?? throw new JsonException($"{typeof(T).Name} is null");
}
