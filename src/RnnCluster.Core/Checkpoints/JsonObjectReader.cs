using System.Text.Json;

namespace RnnCluster.Core.Checkpoints;

/// <summary>Typed access to the required fields of a JSON object; failures name the field's dotted path.</summary>
internal readonly struct JsonObjectReader
{
    private readonly JsonElement _element;
    private readonly string _path;

    public JsonObjectReader(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"'{(path.Length == 0 ? "the header" : path)}' must be a JSON object");
        }

        _element = element;
        _path = path;
    }

    /// <summary>True when the object has a field named <paramref name="name"/> (for optional fields).</summary>
    public bool Has(string name) => _element.TryGetProperty(name, out _);

    public string String(string name) => Field(name, JsonValueKind.String).GetString()!;

    public int Int32(string name) => Field(name, JsonValueKind.Number).TryGetInt32(out var value)
        ? value
        : throw Invalid(name, "must be a 32-bit integer");

    public bool Boolean(string name)
    {
        if (!_element.TryGetProperty(name, out var value))
        {
            throw Invalid(name, "is missing");
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(name, $"must be true or false, not {value.ValueKind.ToString().ToLowerInvariant()}"),
        };
    }

    public float Single(string name) =>
        Field(name, JsonValueKind.Number).TryGetSingle(out var value) && float.IsFinite(value)
            ? value
            : throw Invalid(name, "must be a finite number");

    public JsonObjectReader Object(string name) => new(Field(name, JsonValueKind.Object), PathOf(name));

    public string RawObject(string name) => Field(name, JsonValueKind.Object).GetRawText();

    public string[] Strings(string name)
    {
        var array = Field(name, JsonValueKind.Array);
        var strings = new string[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            strings[i] = item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw Invalid(name, $"item {i} must be a string");
            i++;
        }

        return strings;
    }

    public JsonObjectReader[] Objects(string name)
    {
        var array = Field(name, JsonValueKind.Array);
        var objects = new JsonObjectReader[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            objects[i] = new JsonObjectReader(item, $"{PathOf(name)}[{i}]");
            i++;
        }

        return objects;
    }

    private JsonElement Field(string name, JsonValueKind kind)
    {
        if (!_element.TryGetProperty(name, out var value))
        {
            throw Invalid(name, "is missing");
        }

        return value.ValueKind == kind
            ? value
            : throw Invalid(name, $"must be a JSON {kind.ToString().ToLowerInvariant()}, not {value.ValueKind.ToString().ToLowerInvariant()}");
    }

    private FormatException Invalid(string name, string problem) => new($"field '{PathOf(name)}' {problem}");

    private string PathOf(string name) => _path.Length == 0 ? name : $"{_path}.{name}";
}
