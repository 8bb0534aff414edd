using System.Text.Json;
using System.Text.Json.Serialization;

namespace RnnCluster.Monitoring.Web;

/// <summary>The API's JSON: snake_case, nulls left out, non-finite numbers as <c>"Infinity"</c>/<c>"NaN"</c> (as everywhere in the project).</summary>
internal static class DashboardJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
