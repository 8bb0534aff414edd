using System.Text.Json;

namespace RnnCluster.Cli.Output;

/// <summary>One JSON object per line on standard output, snake_case fields (the <c>--json</c> contract).</summary>
public static class JsonEvents
{
    private static readonly JsonSerializerOptions Options = Core.Checkpoints.MetricsJson.SnakeCase;

    private static readonly Lock Gate = new();

    /// <summary>Writes <c>{"event": name, ...fields}</c>.</summary>
    public static void Write(string eventName, object fields)
    {
        var element = JsonSerializer.SerializeToElement(fields, Options);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("event", eventName);
            foreach (var property in element.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Writes a bare object (no event field), e.g. <c>eval --json</c>.</summary>
    public static void WriteObject(object fields) => WriteLine(JsonSerializer.Serialize(fields, Options));

    private static void WriteLine(string line)
    {
        lock (Gate)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }
}
