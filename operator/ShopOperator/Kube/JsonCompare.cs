using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace ShopOperator.Kube;

/// <summary>
/// Semantic comparison of what we want with what the server holds. The server adds defaults
/// (protocol: TCP, terminationMessagePath, revisionHistoryLimit, …) and normalises quantities
/// ("0.5" → "500m"), so equality would write on every pass; "every field we set has our value" does not.
/// </summary>
public static class JsonCompare
{
    /// <summary>True when every field of <paramref name="desired"/> is present in <paramref name="live"/> with the same value.
    /// Arrays must have the same length (an item we no longer want is drift) and match item by item.</summary>
    public static bool IsSubset(JsonNode? desired, JsonNode? live)
    {
        switch (desired)
        {
            case null:
                return true;
            case JsonObject d:
                if (live is not JsonObject l)
                {
                    return d.Count == 0 && live is null;
                }

                foreach (var (key, value) in d)
                {
                    if (value is null)
                    {
                        continue;
                    }

                    if (!IsSubset(value, l.TryGetPropertyValue(key, out var liveValue) ? liveValue : null))
                    {
                        return false;
                    }
                }

                return true;
            case JsonArray { Count: 0 } when live is null:
                // Go's omitempty drops an empty list, so "[]" comes back as a missing field.
                return true;
            case JsonArray da:
                if (live is not JsonArray la || la.Count != da.Count)
                {
                    return false;
                }

                for (var i = 0; i < da.Count; i++)
                {
                    if (!IsSubset(da[i], la[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return live is JsonValue lv && ScalarEquals((JsonValue)desired, lv);
        }
    }

    private static bool ScalarEquals(JsonValue desired, JsonValue live)
    {
        var d = desired.GetValueKind();
        var l = live.GetValueKind();
        if (d == JsonValueKind.String && l == JsonValueKind.String)
        {
            var ds = desired.GetValue<string>();
            var ls = live.GetValue<string>();
            return ds == ls || QuantityEquals(ds, ls);
        }

        if (d == JsonValueKind.Number && l == JsonValueKind.Number)
        {
            // Values built in code hold an int or long, parsed ones a JsonElement: compare their JSON text as numbers.
            return decimal.Parse(desired.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
                == decimal.Parse(live.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        if (d is JsonValueKind.Number or JsonValueKind.String && l is JsonValueKind.Number or JsonValueKind.String)
        {
            // A quantity may come back as a number ("1" → 1) or the other way round.
            return QuantityEquals(desired.ToJsonString().Trim('"'), live.ToJsonString().Trim('"'));
        }

        return d == l && desired.ToJsonString() == live.ToJsonString();
    }

    private static bool QuantityEquals(string a, string b)
    {
        if (a.Length == 0 || b.Length == 0 || !(char.IsDigit(a[0]) || a[0] is '.' or '+' or '-') || !(char.IsDigit(b[0]) || b[0] is '.' or '+' or '-'))
        {
            return false;
        }

        try
        {
            return new ResourceQuantity(a).ToDecimal() == new ResourceQuantity(b).ToDecimal();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    public static string Hash(JsonNode node)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()));
        return Convert.ToHexStringLower(bytes)[..16];
    }

    public static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
