using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ShopOperator.Model;

/// <summary>
/// Reads numbers and strings from JSON nodes whatever built them: a node parsed from the API server holds a
/// JsonElement, one built in code holds an int, and GetValue&lt;long&gt; throws on the latter.
/// </summary>
internal static class JsonRead
{
    public static long? Long(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null;

    public static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    /// <summary>node[key] when node is an object; null otherwise (indexing a JsonValue by name throws).</summary>
    public static JsonNode? Child(JsonNode? node, string key) => node is JsonObject o ? o[key] : null;

    public static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
