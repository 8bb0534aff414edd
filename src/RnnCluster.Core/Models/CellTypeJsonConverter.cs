using System.Text.Json;
using System.Text.Json.Serialization;

namespace RnnCluster.Core.Models;

/// <summary>A <see cref="CellType"/> as its name in JSON (<c>"lstm"</c>; <c>"tanh"</c> reads as rnn).</summary>
public sealed class CellTypeJsonConverter : JsonConverter<CellType>
{
    /// <exception cref="JsonException">When the value is not a string naming rnn, lstm, gru or bow.</exception>
    public override CellType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("model: expected \"rnn\", \"lstm\", \"gru\" or \"bow\"");
        try
        {
            return CellTypes.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new JsonException($"model {Text.QuotedText.Quote(text)}: expected rnn, lstm, gru, char-lstm, bow or cbow", e);
        }
    }

    public override void Write(Utf8JsonWriter writer, CellType value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name());
}
