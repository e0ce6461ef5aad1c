using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>The legacy (non-aggregated) discovery documents; kubectl falls back to them when the aggregated form is not offered.</summary>
internal static class Discovery
{
    public static JsonObject GroupList(IEnumerable<ResourceType> types) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. types.Where(t => t.Group.Length > 0).Select(t => t.Group).Distinct().Select(g => (JsonNode)GroupOf(types, g))]),
    };

    public static JsonObject? Group(IEnumerable<ResourceType> types, string group) =>
        types.Any(t => t.Group == group) ? GroupOf(types, group) : null;

    private static JsonObject GroupOf(IEnumerable<ResourceType> types, string group)
    {
        var versions = types.Where(t => t.Group == group).Select(t => t.Version).Distinct().ToList();
        JsonObject Version(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)Version(v))]),
            ["preferredVersion"] = Version(versions[0]),
        };
    }

    public static JsonObject ResourceList(IEnumerable<ResourceType> types, string group, string version)
    {
        var resources = new JsonArray();
        foreach (var t in types.Where(t => t.Group == group && t.Version == version))
        {
            resources.Add(new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Kind.ToLowerInvariant(),
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
                ["shortNames"] = new JsonArray([.. t.ShortNames.Select(s => (JsonNode)s)]),
            });
            if (t.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = t.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }

            if (t is { IsCustom: false, Group: "", Plural: "pods" })
            {
                resources.Add(new JsonObject { ["name"] = "pods/log", ["singularName"] = "", ["namespaced"] = true, ["kind"] = "Pod", ["verbs"] = new JsonArray("get") });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
