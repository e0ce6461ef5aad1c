using System.Text.Json.Nodes;
using k8s.Models;

namespace KubeEmulator;

/// <summary>
/// Server-side defaulting of built-in kinds, as the API server does it on every create and update before
/// validation ("API Conventions", Defaulting; the API changes guide: decode, default, convert, validate, store),
/// for the fields a client most often leaves out. Clients that compare what they sent with what is stored must
/// cope with these, as they would against a real server: the values are upstream's (pkg/apis/*/v1/defaults.go).
/// Quantities are stored in canonical form ("0.5" becomes "500m"), and empty lists are dropped, as Go's
/// omitempty does when the stored object is serialised.
/// </summary>
internal static class Defaults
{
    /// <summary>Fills in the defaults of <paramref name="obj"/>; <paramref name="old"/> is the stored object on an update.</summary>
    public static IEnumerable<(string Field, string Message)> Apply(ResourceType type, JsonObject obj, JsonObject? old, Func<string> allocateClusterIp)
    {
        if (type.IsCustom)
        {
            return [];
        }

        var errors = new List<(string, string)>();
        switch (type.Plural)
        {
            case "deployments":
                Deployment(obj);
                break;
            case "pods":
                PodSpec(obj["spec"] as JsonObject);
                break;
            case "services":
                Service(obj, old, allocateClusterIp, errors);
                break;
            case "networkpolicies":
                NetworkPolicy(obj);
                break;
            case "secrets":
                obj["type"] ??= "Opaque";
                MergeStringData(obj);
                break;
        }

        DropEmptyLists(obj);
        return errors;
    }

    /// <summary>
    /// core/v1 Secret conversion (Convert_v1_Secret_To_core_Secret): stringData is write-only; its entries are
    /// stored base64-encoded in data, overwriting keys of the same name, and it is never returned.
    /// </summary>
    private static void MergeStringData(JsonObject obj)
    {
        if (obj["stringData"] is not JsonObject stringData)
        {
            obj.Remove("stringData");
            return;
        }

        var data = obj["data"] as JsonObject ?? [];
        foreach (var (key, value) in stringData)
        {
            var text = value is JsonValue v && v.TryGetValue<string>(out var t) ? t : value?.ToJsonString() ?? "";
            data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));
        }

        obj["data"] = data;
        obj.Remove("stringData");
    }

    private static void Deployment(JsonObject obj)
    {
        if (obj["spec"] is not JsonObject spec)
        {
            return;
        }

        spec["replicas"] ??= 1;
        spec["revisionHistoryLimit"] ??= 10;
        spec["progressDeadlineSeconds"] ??= 600;
        var strategy = spec["strategy"] as JsonObject ?? [];
        spec["strategy"] = strategy;
        strategy["type"] ??= "RollingUpdate";
        if (strategy["type"]?.GetValue<string>() == "RollingUpdate")
        {
            var rolling = strategy["rollingUpdate"] as JsonObject ?? [];
            strategy["rollingUpdate"] = rolling;
            rolling["maxUnavailable"] ??= "25%";
            rolling["maxSurge"] ??= "25%";
        }

        if (spec["template"] is JsonObject template)
        {
            if (template["metadata"] is JsonObject meta)
            {
                // A quirk every client sees: the pod template's metadata comes back with creationTimestamp: null.
                meta.TryAdd("creationTimestamp", null);
            }

            PodSpec(template["spec"] as JsonObject);
        }
    }

    private static void PodSpec(JsonObject? spec)
    {
        if (spec is null)
        {
            return;
        }

        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["securityContext"] ??= new JsonObject();
        spec["schedulerName"] ??= "default-scheduler";
        spec["enableServiceLinks"] ??= true;
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var container in (spec[list] as JsonArray ?? []).OfType<JsonObject>())
            {
                Container(container);
            }
        }

        foreach (var volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var source in new[] { "secret", "configMap" })
            {
                if (volume[source] is JsonObject s)
                {
                    s["defaultMode"] ??= 420;
                }
            }
        }
    }

    private static void Container(JsonObject container)
    {
        container["terminationMessagePath"] ??= "/dev/termination-log";
        container["terminationMessagePolicy"] ??= "File";
        if (container["imagePullPolicy"] is null && container["image"]?.GetValue<string>() is { } image)
        {
            // "latest" or no tag (and no digest) pulls always; anything pinned pulls if not present.
            var lastSegment = image[(image.LastIndexOf('/') + 1)..];
            var tagged = lastSegment.Contains(':', StringComparison.Ordinal) || image.Contains('@', StringComparison.Ordinal);
            container["imagePullPolicy"] = !tagged || image.EndsWith(":latest", StringComparison.Ordinal) ? "Always" : "IfNotPresent";
        }

        foreach (var port in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (container[probe] is JsonObject p)
            {
                p["timeoutSeconds"] ??= 1;
                p["periodSeconds"] ??= 10;
                p["successThreshold"] ??= 1;
                p["failureThreshold"] ??= 3;
                if (p["httpGet"] is JsonObject get)
                {
                    get["scheme"] ??= "HTTP";
                }
            }
        }

        foreach (var env in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (env["valueFrom"]?["fieldRef"] is JsonObject fieldRef)
            {
                fieldRef["apiVersion"] ??= "v1";
            }
        }

        if (container["resources"] is JsonObject resources)
        {
            foreach (var group in new[] { "requests", "limits" })
            {
                if (resources[group] is JsonObject quantities)
                {
                    foreach (var name in quantities.Select(p => p.Key).ToList())
                    {
                        quantities[name] = Canonical(quantities[name]);
                    }
                }
            }
        }
    }

    /// <summary>Quantities are stored in canonical form: "0.5" → "500m", "1000m" → "1", 2 → "2".</summary>
    private static JsonNode? Canonical(JsonNode? value)
    {
        var text = value is JsonValue v ? v.ToJsonString().Trim('"') : null;
        if (string.IsNullOrEmpty(text))
        {
            return value;
        }

        try
        {
            return new ResourceQuantity(text).CanonicalizeString();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            // Not a quantity: validation of the real server would reject it; leave it for the client to see.
            return value;
        }
    }

    private static void Service(JsonObject obj, JsonObject? old, Func<string> allocateClusterIp, List<(string, string)> errors)
    {
        if (obj["spec"] is not JsonObject spec)
        {
            return;
        }

        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
        }

        if (spec["type"]?.GetValue<string>() == "ExternalName")
        {
            return;
        }

        var oldIp = old?["spec"]?["clusterIP"]?.GetValue<string>();
        var ip = spec["clusterIP"]?.GetValue<string>();
        if (ip is null or "")
        {
            // The REST storage keeps the allocated address when an update leaves it out (as a PUT from a
            // client that never read it does), and allocates one on create.
            ip = oldIp ?? allocateClusterIp();
            spec["clusterIP"] = ip;
        }
        else if (oldIp is not null && ip != oldIp)
        {
            errors.Add(("spec.clusterIP", "Invalid value: field is immutable"));
        }

        if (spec["clusterIPs"] is not JsonArray { Count: > 0 })
        {
            spec["clusterIPs"] = new JsonArray(ip);
        }

        spec["ipFamilies"] ??= new JsonArray(ip == "None" ? "IPv4" : ip.Contains(':', StringComparison.Ordinal) ? "IPv6" : "IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";
    }

    private static void NetworkPolicy(JsonObject obj)
    {
        if (obj["spec"] is not JsonObject spec)
        {
            return;
        }

        if (spec["policyTypes"] is not JsonArray { Count: > 0 })
        {
            // networking/v1 defaults: Ingress always, Egress when egress rules are given.
            spec["policyTypes"] = spec["egress"] is JsonArray { Count: > 0 } ? new JsonArray("Ingress", "Egress") : new JsonArray("Ingress");
        }

        foreach (var direction in new[] { "ingress", "egress" })
        {
            foreach (var rule in (spec[direction] as JsonArray ?? []).OfType<JsonObject>())
            {
                foreach (var port in (rule["ports"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    port["protocol"] ??= "TCP";
                }
            }
        }
    }

    /// <summary>Go's omitempty: a list with no items is not serialised, so it comes back as a missing field.</summary>
    private static void DropEmptyLists(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    if (value is JsonArray { Count: 0 } && key != "containers")
                    {
                        o.Remove(key);
                    }
                    else
                    {
                        DropEmptyLists(value);
                    }
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    DropEmptyLists(item);
                }

                break;
        }
    }
}
