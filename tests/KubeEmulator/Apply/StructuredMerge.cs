using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// Structured merge as kubernetes-sigs/structured-merge-diff does it: the field set of an object (fieldpath paths of
/// <c>f:</c> fields, <c>k:</c> list-map keys and <c>v:</c> set values), comparing two objects, merging an applied
/// configuration into a live object and removing the fields a manager stopped applying.
/// A path is its elements joined by <see cref="Separator"/>.
/// </summary>
internal static class StructuredMerge
{
    public const char Separator = '\u0001';

    /// <summary>
    /// Every path of <paramref name="obj"/> with the JSON of its value for leaves (scalars, atomic values) and null for
    /// members that are containers (list items, map entries holding objects), as typed.ToFieldSet: struct fields are
    /// members only when leaves, null or empty. With <paramref name="maps"/>, a granular map is a member too, as the
    /// comparison of an update sees a map that was not there before (its Update entry then shows <c>".": {}</c>).
    /// </summary>
    public static Dictionary<string, string?> Paths(JsonObject obj, Shape shape, bool maps = false)
    {
        var paths = new Dictionary<string, string?>(StringComparer.Ordinal);
        Walk(obj, shape, "", paths, maps);
        return paths;
    }

    private static string Join(string path, string element) => path.Length == 0 ? element : path + Separator + element;

    private static void Walk(JsonNode? value, Shape shape, string path, Dictionary<string, string?> paths, bool maps)
    {
        switch (shape.Kind)
        {
            case ShapeKind.Struct or ShapeKind.Map when value is JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    var childPath = Join(path, "f:" + name);
                    var childShape = shape.Field(name, child);
                    Walk(child, childShape, childPath, paths, maps);
                    if (child is null || child is JsonObject { Count: 0 })
                    {
                        paths[childPath] = child?.ToJsonString() ?? "null";
                    }
                    else if ((shape.Kind == ShapeKind.Map || (maps && childShape.Kind == ShapeKind.Map)) && !paths.ContainsKey(childPath))
                    {
                        paths[childPath] = null;
                    }
                }

                break;
            case ShapeKind.ListSet when value is JsonArray set:
                foreach (var item in set)
                {
                    var json = item?.ToJsonString() ?? "null";
                    paths[Join(path, "v:" + json)] = json;
                }

                break;
            case ShapeKind.ListMap when value is JsonArray list:
                foreach (var item in list.OfType<JsonObject>())
                {
                    var itemPath = Join(path, "k:" + shape.ItemKey(item).ToJsonString());
                    Walk(item, shape.Item(item), itemPath, paths, maps);
                    paths[itemPath] = null;
                }

                break;
            default:
                if (path.Length > 0)
                {
                    paths[path] = value?.ToJsonString() ?? "null";
                }

                break;
        }
    }

    /// <summary>The paths added, removed and modified (leaf value changed) from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static (HashSet<string> Added, HashSet<string> Removed, HashSet<string> Modified) Compare(Dictionary<string, string?> before, Dictionary<string, string?> after)
    {
        var added = after.Keys.Where(k => !before.ContainsKey(k)).ToHashSet(StringComparer.Ordinal);
        var removed = before.Keys.Where(k => !after.ContainsKey(k)).ToHashSet(StringComparer.Ordinal);
        var modified = after.Where(p => before.TryGetValue(p.Key, out var old) && old != p.Value).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        return (added, removed, modified);
    }

    /// <summary>The live object with the applied configuration merged in: structs and maps by field, list maps by key, sets by value; everything else replaced.</summary>
    public static JsonNode? Merge(JsonNode? live, JsonNode? config, Shape shape)
    {
        switch (shape.Kind)
        {
            case ShapeKind.Struct or ShapeKind.Map when config is JsonObject c:
                var result = live is JsonObject l ? (JsonObject)l.DeepClone() : [];
                foreach (var (name, value) in c)
                {
                    if (value is null)
                    {
                        // An applied null owns the field and leaves it unset.
                        result.Remove(name);
                        continue;
                    }

                    result[name] = Merge(result[name]?.DeepClone(), value, shape.Field(name, value));
                }

                return result;
            case ShapeKind.ListSet when config is JsonArray c:
                var set = live is JsonArray ls ? (JsonArray)ls.DeepClone() : [];
                foreach (var item in c)
                {
                    if (!set.Any(s => JsonNode.DeepEquals(s, item)))
                    {
                        set.Add(item?.DeepClone());
                    }
                }

                return set;
            case ShapeKind.ListMap when config is JsonArray c:
                var list = live is JsonArray ll ? (JsonArray)ll.DeepClone() : [];
                foreach (var item in c.OfType<JsonObject>())
                {
                    var key = shape.ItemKey(item);
                    var index = list.Select((e, i) => (e, i)).Where(p => p.e is JsonObject o && JsonNode.DeepEquals(shape.ItemKey(o), key)).Select(p => p.i).DefaultIfEmpty(-1).First();
                    if (index < 0)
                    {
                        list.Add(Merge(null, item, shape.Item(item)));
                    }
                    else
                    {
                        list[index] = Merge(list[index]?.DeepClone(), item, shape.Item(item));
                    }
                }

                return list;
            default:
                return config?.DeepClone();
        }
    }

    /// <summary>Removes the node at <paramref name="path"/> from <paramref name="root"/>, if it is there.</summary>
    public static void Remove(JsonObject root, string path, Shape shape)
    {
        var elements = path.Split(Separator);
        JsonNode? node = root;
        var nodeShape = shape;
        for (var i = 0; i < elements.Length; i++)
        {
            var element = elements[i];
            var last = i == elements.Length - 1;
            var body = element[2..];
            switch (element[0], node)
            {
                case ('f', JsonObject obj):
                    if (last)
                    {
                        obj.Remove(body);
                        return;
                    }

                    nodeShape = nodeShape.Field(body, obj[body]);
                    node = obj[body];
                    break;
                case ('k', JsonArray list):
                    var key = JsonNode.Parse(body);
                    var item = list.OfType<JsonObject>().FirstOrDefault(o => JsonNode.DeepEquals(nodeShape.ItemKey(o), key));
                    if (item is null)
                    {
                        return;
                    }

                    if (last)
                    {
                        list.Remove(item);
                        return;
                    }

                    nodeShape = nodeShape.Item(item);
                    node = item;
                    break;
                case ('v', JsonArray set):
                    var value = JsonNode.Parse(body);
                    if (set.FirstOrDefault(s => JsonNode.DeepEquals(s, value)) is { } found)
                    {
                        set.Remove(found);
                    }
                    else if (value is null && set.Any(s => s is null))
                    {
                        set.RemoveAt(set.IndexOf(null));
                    }

                    return;
                default:
                    return;
            }
        }
    }

    /// <summary>A path as upstream prints it in conflicts: <c>.spec.containers[name="app"].image</c>.</summary>
    public static string Display(string path)
    {
        var text = new System.Text.StringBuilder();
        foreach (var element in path.Split(Separator))
        {
            var body = element[2..];
            switch (element[0])
            {
                case 'f':
                    text.Append('.').Append(body);
                    break;
                case 'k':
                    var key = JsonNode.Parse(body)!.AsObject();
                    text.Append('[').AppendJoin(',', key.Select(p => $"{p.Key}={p.Value?.ToJsonString()}")).Append(']');
                    break;
                case 'v':
                    text.Append("[=").Append(body).Append(']');
                    break;
                default:
                    text.Append('[').Append(body).Append(']');
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>A set of paths as a <c>fieldsV1</c> object: nested elements, <c>"."</c> marking a member that also has children.</summary>
    public static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        var members = new HashSet<JsonObject>(ReferenceEqualityComparer.Instance);
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var element in path.Split(Separator))
            {
                if (node[element] is not JsonObject child)
                {
                    child = [];
                    node[element] = child;
                }

                node = child;
            }

            members.Add(node);
        }

        MarkMembers(root, members);
        return root;
    }

    private static void MarkMembers(JsonObject node, HashSet<JsonObject> members)
    {
        foreach (var (_, child) in node.ToList())
        {
            if (child is JsonObject c)
            {
                MarkMembers(c, members);
            }
        }

        if (node.Count > 0 && members.Contains(node))
        {
            var children = node.ToList();
            node.Clear();
            node["."] = new JsonObject();
            foreach (var (k, v) in children)
            {
                node[k] = v;
            }
        }
    }

    /// <summary>The paths of a <c>fieldsV1</c> object; null if it is not one.</summary>
    public static HashSet<string>? FromFieldsV1(JsonNode? fields)
    {
        if (fields is not JsonObject obj)
        {
            return null;
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        return Read(obj, "", paths) ? paths : null;
    }

    private static bool Read(JsonObject node, string path, HashSet<string> paths)
    {
        foreach (var (key, child) in node)
        {
            if (child is not JsonObject c)
            {
                return false;
            }

            if (key == ".")
            {
                paths.Add(path);
                continue;
            }

            if (key.Length < 3 || key[1] != ':' || key[0] is not ('f' or 'k' or 'v' or 'i'))
            {
                return false;
            }

            var childPath = Join(path, key);
            if (c.Count == 0)
            {
                paths.Add(childPath);
            }
            else if (!Read(c, childPath, paths))
            {
                return false;
            }
        }

        return true;
    }
}
