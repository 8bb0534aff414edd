using System.Text.Json;
using System.Text.Json.Serialization;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// The one rule for non-finite numbers in what the project writes as JSON (a diverged run's
/// perplexity ∞, a loss that became NaN): they are written as the strings <c>"Infinity"</c>,
/// <c>"-Infinity"</c> and <c>"NaN"</c> (System.Text.Json's named literals) and read back as numbers —
/// in JSON events and summaries as in the progress record of models and checkpoints, so a diverged
/// run's model is still saved and says what happened.
/// </summary>
public static class MetricsJson
{
    public static JsonSerializerOptions Options { get; } = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>
    /// The same rule with snake_case names and null fields left out: what <c>--json</c> events,
    /// metrics logs (<c>metrics.jsonl</c>) and the dashboard's JSON API write.
    /// </summary>
    public static JsonSerializerOptions SnakeCase { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
