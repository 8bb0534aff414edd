using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Checkpoints;

/// <summary>The JSON header of a checkpoint file: everything but the float blocks themselves.</summary>
internal sealed record CheckpointHeader(
    ModelSpec Spec,
    string TokenizerKind,
    IReadOnlyList<string> Vocabulary,
    string ProgressJson,
    IReadOnlyList<TensorEntry> Tensors,
    IReadOnlyList<string> Labels)
{
    // The progress object is embedded one level down, so allow one more level than the
    // JsonDocument default that validated it on the way in.
    private const int MaxDepth = 65;

    // Relaxed escaping keeps non-ASCII tokens readable in the file; nothing here is rendered as HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public byte[] ToUtf8()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("spec");
            ModelSpecJson.Write(writer, Spec);
            writer.WriteString("tokenizer", TokenizerKind);
            writer.WriteStartArray("vocabulary");
            foreach (var token in Vocabulary)
            {
                writer.WriteStringValue(token);
            }

            writer.WriteEndArray();
            if (Labels.Count > 0)
            {
                writer.WriteStartArray("labels");
                foreach (var label in Labels)
                {
                    writer.WriteStringValue(label);
                }

                writer.WriteEndArray();
            }

            writer.WritePropertyName("progress");
            writer.WriteRawValue(ProgressJson.Trim());
            writer.WriteStartArray("tensors");
            foreach (var tensor in Tensors)
            {
                writer.WriteStartObject();
                writer.WriteString("name", tensor.Name);
                writer.WriteNumber("count", tensor.Count);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Throws <see cref="JsonException"/> or <see cref="FormatException"/> for a malformed header.</summary>
    public static CheckpointHeader Parse(ReadOnlyMemory<byte> utf8)
    {
        using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = MaxDepth });
        var root = new JsonObjectReader(document.RootElement, "");
        var spec = ModelSpecJson.Read(root.Object("spec"));
        var vocabulary = root.Strings("vocabulary");
        try
        {
            spec = spec.WithSpellings(vocabulary); // the character-aware model spells its vocabulary again
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new FormatException($"field 'vocabulary': {e.Message}", e);
        }

        return new CheckpointHeader(
            spec,
            root.String("tokenizer"),
            vocabulary,
            root.RawObject("progress"),
            [.. root.Objects("tensors").Select(ReadTensor)],
            root.Has("labels") ? root.Strings("labels") : []);
    }

    private static TensorEntry ReadTensor(JsonObjectReader json)
    {
        var entry = new TensorEntry(json.String("name"), json.Int32("count"));
        return entry.Count >= 0 && entry.Count <= Array.MaxLength
            ? entry
            : throw new FormatException($"tensor '{entry.Name}' has an impossible count {entry.Count}");
    }
}
