using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ShopOperator.Kube;

/// <summary>JSON objects as YAML documents (for render) and YAML as JSON (for reading shop.yaml).</summary>
public static class JsonYaml
{
    public static string ToYaml(IEnumerable<JsonNode> documents)
    {
        var stream = new YamlStream();
        foreach (var doc in documents)
        {
            stream.Documents.Add(new YamlDocument(ToYamlNode(doc)));
        }

        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString().Replace("...\n", "", StringComparison.Ordinal);
        return text;
    }

    public static IReadOnlyList<JsonNode> FromYaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" }).Select(d => ToJsonNode(d.RootNode)!)];
    }

    private static YamlNode ToYamlNode(JsonNode? node) => node switch
    {
        JsonObject o => new YamlMappingNode(o.Where(p => p.Value is not null).Select(p => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(p.Key), ToYamlNode(p.Value)))),
        JsonArray a => new YamlSequenceNode(a.Select(ToYamlNode)),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Quoted(v.GetValue<string>()),
        JsonValue v => new YamlScalarNode(v.ToJsonString()),
        null => new YamlScalarNode("null"),
        _ => new YamlScalarNode(node.ToJsonString()),
    };

    private static YamlScalarNode Quoted(string value)
    {
        // Keep strings strings: "true", "80", "0.5" and the like must not turn into booleans or numbers.
        var plainIsSafe = value.Length > 0
            && !value.Any(c => char.IsControl(c) || c is ':' or '#' or '\'' or '"' or '{' or '}' or '[' or ']' or ',' or '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`')
            && !char.IsWhiteSpace(value[0]) && !char.IsWhiteSpace(value[^1]) && value[0] != '-' && value[0] != '?'
            && !double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
            && value is not ("true" or "false" or "null" or "~" or "yes" or "no" or "on" or "off" or "True" or "False" or "Null" or "NULL" or "TRUE" or "FALSE");
        return new YamlScalarNode(value) { Style = plainIsSafe ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };
    }

    private static JsonNode? ToJsonNode(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(c => new KeyValuePair<string, JsonNode?>(((YamlScalarNode)c.Key).Value ?? "", ToJsonNode(c.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(ToJsonNode)]),
        YamlScalarNode sc => Scalar(sc),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value;
        if (scalar.Style is ScalarStyle.DoubleQuoted or ScalarStyle.SingleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case null or "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        // Numbers go through the JSON parser so they read back as any numeric type, as parsed JSON does.
        if (long.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _)
            || (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _) && value.Any(char.IsDigit) && !value.StartsWith('.') && !value.EndsWith('.')))
        {
            try
            {
                return JsonNode.Parse(value);
            }
            catch (System.Text.Json.JsonException)
            {
                return JsonValue.Create(value);
            }
        }

        return JsonValue.Create(value);
    }
}
