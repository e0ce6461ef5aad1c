using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// Table cells the server computes instead of reading one field (pkg/printers/internalversion/printers.go):
/// a pod's READY, STATUS and RESTARTS, an EndpointSlice's PORTS and ENDPOINTS.
/// </summary>
internal static class Printers
{
    /// <summary>The computed cell of <paramref name="column"/>, or null when the column is a plain JSONPath.</summary>
    public static JsonNode? Cell(ResourceType type, JsonObject item, string column)
    {
        if (type.IsCustom)
        {
            return null;
        }

        var statuses = (item["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        return (type.Plural, column) switch
        {
            ("pods", "Ready") => $"{statuses.Count(c => c["ready"]?.GetValue<bool>() == true)}/{(item["spec"]?["containers"] as JsonArray)?.Count ?? 0}",
            ("pods", "Status") => PodStatus.Reason(item),
            ("pods", "Restarts") => Restarts(statuses),
            ("pods", "IP") => item["status"]?["podIP"]?.GetValue<string>() ?? "<none>",
            ("endpointslices", "Ports") => item["ports"] is JsonArray { Count: > 0 } ports
                ? string.Join(",", ports.Select(p => p?["port"]?.ToJsonString())) : "<unset>",
            ("endpointslices", "Endpoints") => Endpoints(item),
            _ => null,
        };
    }

    private static string Restarts(List<JsonObject> statuses)
    {
        var restarts = statuses.Sum(c => c["restartCount"]?.GetValue<int>() ?? 0);
        return restarts.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Endpoints(JsonObject slice)
    {
        var addresses = (slice["endpoints"] as JsonArray ?? []).OfType<JsonObject>()
            .SelectMany(e => (e["addresses"] as JsonArray ?? []).Select(a => a?.GetValue<string>() ?? "")).ToList();
        return addresses.Count == 0 ? "<unset>" : addresses.Count <= 3 ? string.Join(",", addresses) : $"{string.Join(",", addresses.Take(3))} + {addresses.Count - 3} more...";
    }
}
