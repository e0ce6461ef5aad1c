using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>meta.k8s.io/v1 Table for <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>, with a CRD's printer columns.</summary>
internal static class Table
{
    public static JsonObject Build(ResourceType type, JsonObject result, bool isList, DateTimeOffset now)
    {
        var columns = new JsonArray { Column("Name", "string", "name") };
        var printer = type.PrinterColumns?.OfType<JsonObject>().ToList() ?? [];
        foreach (var c in printer)
        {
            columns.Add(Column(c["name"]?.GetValue<string>() ?? "", c["type"]?.GetValue<string>() ?? "string", c["description"]?.GetValue<string>() ?? "", c["priority"]?.GetValue<int>() ?? 0));
        }

        var hasAge = printer.Exists(c => c["jsonPath"]?.GetValue<string>() == ".metadata.creationTimestamp");
        if (!hasAge)
        {
            columns.Add(Column("Age", "date", "creation time"));
        }

        var items = isList ? result["items"]!.AsArray().OfType<JsonObject>().ToList() : [result];
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var cells = new JsonArray { item["metadata"]?["name"]?.DeepClone() };
            foreach (var c in printer)
            {
                var value = Printers.Cell(type, item, c["name"]?.GetValue<string>() ?? "") ?? Path(item, c["jsonPath"]?.GetValue<string>() ?? "");
                cells.Add(c["type"]?.GetValue<string>() == "date" && value is JsonValue v && v.TryGetValue<string>(out var s) ? Age(s, now) : value?.DeepClone());
            }

            if (!hasAge)
            {
                cells.Add(Age(item["metadata"]?["creationTimestamp"]?.GetValue<string>() ?? "", now));
            }

            rows.Add(new JsonObject
            {
                ["cells"] = cells,
                ["object"] = new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = item["metadata"]?.DeepClone() },
            });
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = (isList ? result["metadata"]?["resourceVersion"] : result["metadata"]?["resourceVersion"])?.DeepClone() },
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    private static JsonObject Column(string name, string type, string description, int priority = 0) =>
        new() { ["name"] = name, ["type"] = type, ["format"] = name == "Name" ? "name" : "", ["description"] = description, ["priority"] = priority };

    private static string Age(string timestamp, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return "<unknown>";
        }

        var age = now - at;
        return age.TotalDays >= 1 ? $"{(int)age.TotalDays}d" : age.TotalHours >= 1 ? $"{(int)age.TotalHours}h" : age.TotalMinutes >= 1 ? $"{(int)age.TotalMinutes}m" : $"{Math.Max(0, (int)age.TotalSeconds)}s";
    }

    /// <summary>The JSONPath subset printer columns use: .a.b, .a[0].b and .a[?(@.type=="Ready")].status.</summary>
    internal static JsonNode? Path(JsonNode? node, string path)
    {
        var rest = path.Trim().TrimStart('{').TrimEnd('}').TrimStart('.');
        while (rest.Length > 0 && node is not null)
        {
            if (rest.StartsWith('['))
            {
                var end = rest.IndexOf(']', StringComparison.Ordinal);
                var inner = rest[1..end];
                rest = rest[(end + 1)..].TrimStart('.');
                if (inner.StartsWith("?(@.", StringComparison.Ordinal))
                {
                    var cond = inner[4..^1];
                    var eq = cond.IndexOf("==", StringComparison.Ordinal);
                    var field = cond[..eq];
                    var want = cond[(eq + 2)..].Trim('"', '\'');
                    node = (node as JsonArray)?.FirstOrDefault(e => e?[field] is JsonValue fv && fv.ToString() == want);
                }
                else
                {
                    node = node is JsonArray a && int.TryParse(inner, CultureInfo.InvariantCulture, out var i) && i < a.Count ? a[i] : null;
                }

                continue;
            }

            var cut = rest.IndexOfAny(['.', '[']);
            var name = cut < 0 ? rest : rest[..cut];
            rest = cut < 0 ? "" : rest[cut..].TrimStart('.');
            node = node is JsonObject o ? o[name] : null;
        }

        return node;
    }
}
