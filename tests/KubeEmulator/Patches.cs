using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch for the lists kubectl patches.</summary>
internal static class Patches
{
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in p)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = Merge(result[key]?.DeepClone(), value);
                result[key] = merged;
            }
        }

        return result;
    }

    /// <summary>Strategic merge: like a merge patch, except lists of objects with a known merge key (name, type, containerPort) merge by that key.</summary>
    public static JsonNode? Strategic(JsonNode? target, JsonNode? patch)
    {
        if (patch is JsonArray pa && target is JsonArray ta && MergeKey(pa) is { } key)
        {
            var result = (JsonArray)ta.DeepClone();
            foreach (var item in pa.OfType<JsonObject>())
            {
                var id = item[key]?.ToJsonString();
                var existing = result.OfType<JsonObject>().FirstOrDefault(e => e[key]?.ToJsonString() == id);
                if (item["$patch"]?.GetValue<string>() == "delete")
                {
                    if (existing is not null)
                    {
                        result.Remove(existing);
                    }
                }
                else if (existing is null)
                {
                    result.Add(item.DeepClone());
                }
                else
                {
                    var index = result.IndexOf(existing);
                    result[index] = Strategic(existing.DeepClone(), item);
                }
            }

            return result;
        }

        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        var obj = target as JsonObject ?? [];
        foreach (var (k, value) in p)
        {
            if (k.StartsWith("$setElementOrder", StringComparison.Ordinal) || k == "$retainKeys")
            {
                continue;
            }

            if (value is null)
            {
                obj.Remove(k);
            }
            else
            {
                obj[k] = Strategic(obj[k]?.DeepClone(), value);
            }
        }

        return obj;
    }

    private static string? MergeKey(JsonArray items)
    {
        var objects = items.OfType<JsonObject>().ToList();
        if (objects.Count == 0 || objects.Count != items.Count)
        {
            return null;
        }

        foreach (var key in new[] { "name", "type", "containerPort", "port", "mountPath", "ip" })
        {
            if (objects.TrueForAll(o => o.ContainsKey(key)))
            {
                return key;
            }
        }

        return null;
    }

    public static (bool Ok, JsonObject? Result, string Message) Json(JsonObject document, JsonArray operations)
    {
        JsonNode root = document;
        foreach (var op in operations.OfType<JsonObject>())
        {
            var kind = op["op"]?.GetValue<string>();
            var path = op["path"]?.GetValue<string>() ?? "";
            var (parent, last) = Resolve(root, path);
            if (parent is null)
            {
                return (false, null, $"the path {path} does not exist");
            }

            switch (kind)
            {
                case "add" or "replace":
                    var value = op["value"]?.DeepClone();
                    if (parent is JsonObject po)
                    {
                        if (kind == "replace" && !po.ContainsKey(last))
                        {
                            return (false, null, $"replace operation does not apply: doc is missing key: {path}");
                        }

                        po[last] = value;
                    }
                    else if (parent is JsonArray pa)
                    {
                        if (last == "-")
                        {
                            pa.Add(value);
                        }
                        else if (int.TryParse(last, out var i) && i >= 0 && i <= pa.Count)
                        {
                            if (kind == "replace")
                            {
                                pa[i] = value;
                            }
                            else
                            {
                                pa.Insert(i, value);
                            }
                        }
                        else
                        {
                            return (false, null, $"index out of range: {path}");
                        }
                    }

                    break;
                case "remove":
                    if (parent is JsonObject ro && ro.ContainsKey(last))
                    {
                        ro.Remove(last);
                    }
                    else if (parent is JsonArray ra && int.TryParse(last, out var ri) && ri >= 0 && ri < ra.Count)
                    {
                        ra.RemoveAt(ri);
                    }
                    else
                    {
                        return (false, null, $"remove operation does not apply: doc is missing path: {path}");
                    }

                    break;
                case "test":
                    var current = parent is JsonObject to ? to[last] : parent is JsonArray tarr && int.TryParse(last, out var ti) && ti < tarr.Count ? tarr[ti] : null;
                    if (!JsonNode.DeepEquals(current, op["value"]))
                    {
                        return (false, null, $"testing value {path} failed");
                    }

                    break;
                default:
                    return (false, null, $"unsupported JSON patch operation {kind}");
            }
        }

        return (true, root as JsonObject, "");
    }

    private static (JsonNode? Parent, string Last) Resolve(JsonNode root, string pointer)
    {
        var tokens = pointer.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
        if (tokens.Count == 0)
        {
            return (null, "");
        }

        JsonNode? node = root;
        foreach (var token in tokens.Take(tokens.Count - 1))
        {
            node = node switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
        }

        return (node, tokens[^1]);
    }
}
