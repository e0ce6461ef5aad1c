using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>Installing a CustomResourceDefinition starts serving its served versions; deleting it stops.</summary>
internal static class Crds
{
    public static void Install(List<ResourceType> types, JsonObject crd)
    {
        Uninstall(types, crd);
        var spec = crd["spec"]!;
        var group = spec["group"]!.GetValue<string>();
        var names = spec["names"]!;
        var plural = names["plural"]!.GetValue<string>();
        var kind = names["kind"]!.GetValue<string>();
        var namespaced = spec["scope"]?.GetValue<string>() != "Cluster";
        var shortNames = (names["shortNames"] as JsonArray)?.Select(s => s!.GetValue<string>()).ToArray() ?? [];
        foreach (var version in (spec["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (version["served"]?.GetValue<bool>() == false)
            {
                continue;
            }

            types.Add(new ResourceType(
                group,
                version["name"]!.GetValue<string>(),
                plural,
                kind,
                namespaced,
                version["subresources"]?["status"] is not null,
                shortNames,
                version["schema"]?["openAPIV3Schema"]?.DeepClone() as JsonObject,
                version["additionalPrinterColumns"]?.DeepClone() as JsonArray,
                IsCustom: true));
        }
    }

    public static void Uninstall(List<ResourceType> types, JsonObject crd)
    {
        var group = crd["spec"]?["group"]?.GetValue<string>();
        var plural = crd["spec"]?["names"]?["plural"]?.GetValue<string>();
        types.RemoveAll(t => t.IsCustom && t.Group == group && t.Plural == plural);
    }
}
