using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ShopOperator.Kube;

namespace ShopOperator.Reconcile;

/// <summary>
/// The contract's children (docs/architecture.md) built directly as JSON: used until ShopOperator.Model's
/// DesiredState.Build is wired in, and kept as the reference the model's output is compared with.
/// </summary>
public sealed partial class FallbackSpecModel : IShopSpecModel
{
    public IReadOnlyList<string> Validate(JsonObject shop)
    {
        var errors = new List<string>();
        var spec = shop["spec"] as JsonObject;
        if (spec is null)
        {
            return ["spec: required"];
        }

        var image = spec["image"] is JsonValue v && v.TryGetValue<string>(out var i) ? i : null;
        if (string.IsNullOrEmpty(image))
        {
            errors.Add("spec.image: required");
        }
        else if (!Digest().IsMatch(image))
        {
            errors.Add($"spec.image: '{image}' is not pinned to a digest; use registry/repository@sha256:<64 hex> (build once, deploy the same digest)");
        }

        var host = spec["host"] is JsonValue hv && hv.TryGetValue<string>(out var hs) ? hs : null;
        if (string.IsNullOrEmpty(host) || !Dns().IsMatch(host) || host.Length > 253)
        {
            errors.Add($"spec.host: '{host}' is not a DNS-1123 subdomain");
        }

        var database = spec["database"] as JsonObject;
        var hasRef = database?["connectionSecretRef"] is not null;
        var hasProvision = database?["provision"] is not null;
        if (hasRef == hasProvision)
        {
            errors.Add("spec.database: set exactly one of connectionSecretRef and provision");
        }

        foreach (var tier in new[] { "web", "api" })
        {
            if (spec[tier]?["replicas"] is JsonValue r && (!r.TryGetValue<int>(out var n) || n < 0 || n > 100))
            {
                errors.Add($"spec.{tier}.replicas: must be between 0 and 100");
            }
        }

        return errors;
    }

    public IReadOnlyList<(ResourceKind Kind, JsonObject Object)> Build(JsonObject shop, string apiImage, string webImage)
    {
        var meta = shop["metadata"]!;
        var name = meta["name"]!.GetValue<string>();
        var ns = meta["namespace"]!.GetValue<string>();
        var spec = shop["spec"]!;
        var owner = new JsonObject
        {
            ["apiVersion"] = ResourceKind.ShopInstance.ApiVersion,
            ["kind"] = ResourceKind.ShopInstance.Kind,
            ["name"] = name,
            ["uid"] = meta["uid"]?.GetValue<string>() ?? "",
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        };

        JsonObject Meta(string childName, string? component, JsonObject? annotations = null)
        {
            var m = new JsonObject
            {
                ["name"] = childName,
                ["namespace"] = ns,
                ["labels"] = Labels(name, component),
                ["ownerReferences"] = new JsonArray(owner.DeepClone()),
            };
            if (annotations is { Count: > 0 })
            {
                m["annotations"] = annotations;
            }

            return m;
        }

        var children = new List<(ResourceKind, JsonObject)>
        {
            (ResourceKind.Secret, new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = Meta(name + "-web-keys", "web"),
                ["type"] = "Opaque", ["data"] = new JsonObject { ["dataProtectionKey"] = "" },
            }),
        };
        var provision = spec["database"]?["provision"] is not null;
        if (provision)
        {
            children.Add((ResourceKind.Secret, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = Meta(name + "-db", "api"),
                ["type"] = "Opaque",
                ["data"] = new JsonObject { ["password"] = "", ["connectionString"] = "" },
            }));
        }

        foreach (var tier in new[] { "api", "web" })
        {
            var replicas = spec[tier]?["replicas"]?.GetValue<int>() ?? 2;
            children.Add((ResourceKind.ServiceAccount, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ServiceAccount",
                ["metadata"] = Meta($"{name}-{tier}", tier),
                ["automountServiceAccountToken"] = false,
            }));
            children.Add((ResourceKind.Service, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = Meta($"{name}-{tier}", tier),
                ["spec"] = new JsonObject
                {
                    ["selector"] = Selector(name, tier),
                    ["ports"] = new JsonArray(
                        new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = "http", ["protocol"] = "TCP" },
                        new JsonObject { ["name"] = "metrics", ["port"] = 9090, ["targetPort"] = "metrics", ["protocol"] = "TCP" }),
                },
            }));
            children.Add((ResourceKind.Deployment, Deployment(name, tier, replicas, tier == "api" ? apiImage : webImage, spec, Meta($"{name}-{tier}", tier))));
            if (replicas > 1)
            {
                children.Add((ResourceKind.PodDisruptionBudget, new JsonObject
                {
                    ["apiVersion"] = "policy/v1",
                    ["kind"] = "PodDisruptionBudget",
                    ["metadata"] = Meta($"{name}-{tier}", tier),
                    ["spec"] = new JsonObject { ["maxUnavailable"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = Selector(name, tier) } },
                }));
            }
        }

        children.AddRange(NetworkPolicies(name, spec, Meta));
        children.Add((ResourceKind.Ingress, Ingress(name, spec, Meta)));
        return children;
    }

    private static JsonObject Deployment(string name, string tier, int replicas, string image, JsonNode spec, JsonObject meta)
    {
        var env = new JsonArray();
        if (tier == "api")
        {
            var reference = spec["database"]?["connectionSecretRef"];
            env.Add(SecretEnv("SHOP_DB_CONNECTION", reference?["name"]?.GetValue<string>() ?? name + "-db", reference?["key"]?.GetValue<string>() ?? "connectionString"));
        }
        else
        {
            env.Add(new JsonObject { ["name"] = "SHOP_API_URL", ["value"] = $"http://{name}-api" });
            env.Add(SecretEnv("SHOP_DATA_PROTECTION_KEY", name + "-web-keys", "dataProtectionKey"));
        }

        var resources = spec[tier]?["resources"]?.DeepClone() ?? new JsonObject
        {
            ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "128Mi" },
            ["limits"] = new JsonObject { ["cpu"] = "1", ["memory"] = "256Mi" },
        };
        JsonObject Probe(string path, int failures) => new()
        {
            ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = "http" },
            ["periodSeconds"] = 10,
            ["failureThreshold"] = failures,
        };
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = meta,
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["progressDeadlineSeconds"] = spec["rollout"]?["progressDeadlineSeconds"]?.GetValue<int>() ?? 600,
                ["selector"] = new JsonObject { ["matchLabels"] = Selector(name, tier) },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["labels"] = Labels(name, tier),
                        ["annotations"] = new JsonObject { ["prometheus.io/scrape"] = "true", ["prometheus.io/port"] = "9090", ["prometheus.io/path"] = "/metrics" },
                    },
                    ["spec"] = new JsonObject
                    {
                        ["serviceAccountName"] = $"{name}-{tier}",
                        ["automountServiceAccountToken"] = false,
                        ["securityContext"] = new JsonObject
                        {
                            ["runAsNonRoot"] = true,
                            ["runAsUser"] = 1654,
                            ["runAsGroup"] = 1654,
                            ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
                        },
                        ["topologySpreadConstraints"] = new JsonArray(new JsonObject
                        {
                            ["maxSkew"] = 1,
                            ["topologyKey"] = "kubernetes.io/hostname",
                            ["whenUnsatisfiable"] = "ScheduleAnyway",
                            ["labelSelector"] = new JsonObject { ["matchLabels"] = Selector(name, tier) },
                        }),
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "shop",
                            ["image"] = image,
                            ["args"] = new JsonArray(tier),
                            ["ports"] = new JsonArray(
                                new JsonObject { ["name"] = "http", ["containerPort"] = 8080, ["protocol"] = "TCP" },
                                new JsonObject { ["name"] = "metrics", ["containerPort"] = 9090, ["protocol"] = "TCP" }),
                            ["env"] = env,
                            ["resources"] = resources,
                            ["startupProbe"] = Probe("/healthz/live", 30),
                            ["livenessProbe"] = Probe("/healthz/live", 3),
                            ["readinessProbe"] = Probe("/healthz/ready", 3),
                            ["securityContext"] = new JsonObject
                            {
                                ["allowPrivilegeEscalation"] = false,
                                ["readOnlyRootFilesystem"] = true,
                                ["runAsNonRoot"] = true,
                                ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") },
                            },
                            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "tmp", ["mountPath"] = "/tmp" }),
                        }),
                        ["volumes"] = new JsonArray(new JsonObject { ["name"] = "tmp", ["emptyDir"] = new JsonObject() }),
                    },
                },
            },
        };
    }

    private static IEnumerable<(ResourceKind, JsonObject)> NetworkPolicies(string name, JsonNode spec, Func<string, string?, JsonObject?, JsonObject> meta)
    {
        JsonObject Pods(string? tier) => new() { ["matchLabels"] = tier is null ? new JsonObject { ["app.kubernetes.io/instance"] = name, ["app.kubernetes.io/name"] = "shop" } : Selector(name, tier) };
        JsonObject Port(int port) => new() { ["protocol"] = "TCP", ["port"] = port };
        JsonObject Dns() => new()
        {
            ["to"] = new JsonArray(new JsonObject { ["namespaceSelector"] = new JsonObject(), ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["k8s-app"] = "kube-dns" } } }),
            ["ports"] = new JsonArray(new JsonObject { ["protocol"] = "UDP", ["port"] = 53 }, Port(53)),
        };
        JsonObject FromIngressController() => new()
        {
            ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "ingress-nginx" } },
        };
        JsonObject Metrics() => new()
        {
            ["from"] = new JsonArray(new JsonObject { ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "monitoring" } } }),
            ["ports"] = new JsonArray(Port(9090)),
        };
        JsonObject Policy(string policyName, string? tier, JsonArray ingress, JsonArray egress) => new()
        {
            ["apiVersion"] = "networking.k8s.io/v1",
            ["kind"] = "NetworkPolicy",
            ["metadata"] = meta(policyName, tier, null),
            ["spec"] = new JsonObject { ["podSelector"] = Pods(tier), ["policyTypes"] = new JsonArray("Ingress", "Egress"), ["ingress"] = ingress, ["egress"] = egress },
        };

        var egress = spec["database"]?["egress"];
        var database = new JsonObject { ["ports"] = new JsonArray(Port(5432)) };
        if (egress?["cidr"] is { } cidr)
        {
            database["to"] = new JsonArray(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = cidr.DeepClone() } });
        }
        else if (egress is JsonObject selectors)
        {
            var peer = new JsonObject();
            foreach (var field in new[] { "podSelector", "namespaceSelector" })
            {
                if (selectors[field] is { } selector)
                {
                    peer[field] = selector.DeepClone();
                }
            }

            database["to"] = new JsonArray(peer);
        }

        yield return (ResourceKind.NetworkPolicy, Policy(name + "-default-deny", null, [], []));
        yield return (ResourceKind.NetworkPolicy, Policy(
            name + "-web",
            "web",
            [new JsonObject { ["from"] = new JsonArray(FromIngressController()), ["ports"] = new JsonArray(Port(8080)) }, Metrics()],
            [new JsonObject { ["to"] = new JsonArray(new JsonObject { ["podSelector"] = Pods("api") }), ["ports"] = new JsonArray(Port(8080)) }, Dns()]));
        yield return (ResourceKind.NetworkPolicy, Policy(
            name + "-api",
            "api",
            [new JsonObject { ["from"] = new JsonArray(FromIngressController(), new JsonObject { ["podSelector"] = Pods("web") }), ["ports"] = new JsonArray(Port(8080)) }, Metrics()],
            [database, Dns()]));
    }

    private static JsonObject Ingress(string name, JsonNode spec, Func<string, string?, JsonObject?, JsonObject> meta)
    {
        var annotations = new JsonObject();
        if (spec["ingress"]?["rateLimitPerSecond"]?.GetValue<int>() is > 0 and var rps)
        {
            annotations["nginx.ingress.kubernetes.io/limit-rps"] = rps.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (spec["tls"]?["clusterIssuer"]?.GetValue<string>() is { } issuer)
        {
            annotations["cert-manager.io/cluster-issuer"] = issuer;
        }

        var host = spec["host"]!.GetValue<string>();
        JsonObject Path(string path, string tier) => new()
        {
            ["path"] = path,
            ["pathType"] = "Prefix",
            ["backend"] = new JsonObject { ["service"] = new JsonObject { ["name"] = $"{name}-{tier}", ["port"] = new JsonObject { ["name"] = "http" } } },
        };
        var ingressSpec = new JsonObject
        {
            ["ingressClassName"] = spec["ingress"]?["className"]?.GetValue<string>() ?? "nginx",
            ["rules"] = new JsonArray(new JsonObject { ["host"] = host, ["http"] = new JsonObject { ["paths"] = new JsonArray(Path("/api", "api"), Path("/", "web")) } }),
        };
        if (spec["tls"]?["secretName"]?.GetValue<string>() is { } secretName)
        {
            ingressSpec["tls"] = new JsonArray(new JsonObject { ["hosts"] = new JsonArray(host), ["secretName"] = secretName });
        }

        return new JsonObject { ["apiVersion"] = "networking.k8s.io/v1", ["kind"] = "Ingress", ["metadata"] = meta(name, null, annotations), ["spec"] = ingressSpec };
    }

    private static JsonObject Labels(string name, string? component)
    {
        var labels = new JsonObject
        {
            ["app.kubernetes.io/name"] = "shop",
            ["app.kubernetes.io/instance"] = name,
            ["app.kubernetes.io/part-of"] = "shop",
            ["app.kubernetes.io/managed-by"] = "shop-operator",
        };
        if (component is not null)
        {
            labels["app.kubernetes.io/component"] = component;
        }

        return labels;
    }

    private static JsonObject Selector(string name, string tier) => new()
    {
        ["app.kubernetes.io/name"] = "shop",
        ["app.kubernetes.io/instance"] = name,
        ["app.kubernetes.io/component"] = tier,
    };

    private static JsonObject SecretEnv(string name, string secret, string key) => new()
    {
        ["name"] = name,
        ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = key } },
    };

    [GeneratedRegex(ShopInstanceCrd.DigestPattern)]
    private static partial Regex Digest();

    [GeneratedRegex(ShopInstanceCrd.DnsPattern)]
    private static partial Regex Dns();
}
