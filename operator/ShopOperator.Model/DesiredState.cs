using System.Globalization;
using System.Text.Json.Nodes;

namespace ShopOperator.Model;

/// <summary>
/// The children of a ShopInstance (contract: docs/architecture.md), as the JSON objects the operator applies.
/// Pure: the same shop and images always give the same objects. Generated Secrets carry empty placeholder
/// values; the operator fills them once, at creation, and never rewrites them.
/// </summary>
public static class DesiredState
{
    public const int HttpPort = 8080;
    public const int MetricsPort = 9090;
    public const int ServicePort = 80;
    public const int RunAsUser = 1654;
    public const string ManagedBy = "shop-operator";

    /// <summary>The children, with <paramref name="apiImage"/> and <paramref name="webImage"/> on the two tiers (the rollout planner's choice).</summary>
    public static IReadOnlyList<JsonObject> Build(ShopInstance shop, string apiImage, string webImage)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var name = shop.Name;
        var spec = shop.Spec;
        var owner = new JsonObject
        {
            ["apiVersion"] = CrdGenerator.ApiVersion,
            ["kind"] = CrdGenerator.Kind,
            ["name"] = name,
            ["uid"] = shop.Uid,
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        };

        JsonObject Meta(string childName, string? component, JsonObject? annotations = null)
        {
            var m = new JsonObject
            {
                ["name"] = childName,
                ["namespace"] = shop.Namespace,
                ["labels"] = Labels(name, component),
                ["ownerReferences"] = new JsonArray(owner.DeepClone()),
            };
            if (annotations is { Count: > 0 })
            {
                m["annotations"] = annotations;
            }

            return m;
        }

        var children = new List<JsonObject>
        {
            new()
            {
                ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = Meta(name + "-web-keys", "web"),
                ["type"] = "Opaque", ["data"] = new JsonObject { ["dataProtectionKey"] = "" },
            },
        };
        if (spec.Database.Provision is not null)
        {
            children.Add(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = Meta(DatabaseSecretName(name), "api"),
                ["type"] = "Opaque",
                ["data"] = new JsonObject { ["password"] = "", ["connectionString"] = "" },
            });
        }

        foreach (var tier in new[] { "api", "web" })
        {
            var tierSpec = tier == "api" ? spec.Api : spec.Web;
            var replicas = tierSpec?.Replicas ?? Defaults.Replicas;
            children.Add(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ServiceAccount",
                ["metadata"] = Meta($"{name}-{tier}", tier),
                ["automountServiceAccountToken"] = false,
            });
            children.Add(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = Meta($"{name}-{tier}", tier),
                ["spec"] = new JsonObject
                {
                    ["selector"] = Selector(name, tier),
                    ["ports"] = new JsonArray(
                        new JsonObject { ["name"] = "http", ["port"] = ServicePort, ["targetPort"] = "http", ["protocol"] = "TCP" },
                        new JsonObject { ["name"] = "metrics", ["port"] = MetricsPort, ["targetPort"] = "metrics", ["protocol"] = "TCP" }),
                },
            });
            children.Add(Deployment(name, tier, replicas, tier == "api" ? apiImage : webImage, tierSpec, spec, Meta($"{name}-{tier}", tier)));
            if (replicas > 1)
            {
                children.Add(new JsonObject
                {
                    ["apiVersion"] = "policy/v1",
                    ["kind"] = "PodDisruptionBudget",
                    ["metadata"] = Meta($"{name}-{tier}", tier),
                    ["spec"] = new JsonObject { ["maxUnavailable"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = Selector(name, tier) } },
                });
            }
        }

        children.AddRange(NetworkPolicies(name, spec, Meta));
        children.Add(Ingress(name, spec, Meta));
        return children;
    }

    /// <summary>The Secret the operator writes for spec.database.provision (keys password, connectionString).</summary>
    public static string DatabaseSecretName(string shopName) => shopName + "-db";

    public static string Url(ShopInstanceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return (spec.Tls is null ? "http://" : "https://") + spec.Host;
    }

    private static JsonObject Deployment(string name, string tier, int replicas, string image, TierSpec? tierSpec, ShopInstanceSpec spec, JsonObject meta)
    {
        var env = new JsonArray();
        if (tier == "api")
        {
            var reference = spec.Database.ConnectionSecretRef;
            env.Add(SecretEnv("SHOP_DB_CONNECTION", reference?.Name ?? DatabaseSecretName(name), reference?.Key ?? Defaults.ConnectionStringKey));
        }
        else
        {
            env.Add(new JsonObject { ["name"] = "SHOP_API_URL", ["value"] = $"http://{name}-api" });
            env.Add(SecretEnv("SHOP_DATA_PROTECTION_KEY", name + "-web-keys", "dataProtectionKey"));
        }

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
                ["progressDeadlineSeconds"] = spec.Rollout?.ProgressDeadlineSeconds ?? Defaults.ProgressDeadlineSeconds,
                ["selector"] = new JsonObject { ["matchLabels"] = Selector(name, tier) },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["labels"] = Labels(name, tier),
                        ["annotations"] = new JsonObject
                        {
                            ["prometheus.io/scrape"] = "true",
                            ["prometheus.io/port"] = MetricsPort.ToString(CultureInfo.InvariantCulture),
                            ["prometheus.io/path"] = "/metrics",
                        },
                    },
                    ["spec"] = new JsonObject
                    {
                        ["serviceAccountName"] = $"{name}-{tier}",
                        ["automountServiceAccountToken"] = false,
                        ["securityContext"] = new JsonObject
                        {
                            ["runAsNonRoot"] = true,
                            ["runAsUser"] = RunAsUser,
                            ["runAsGroup"] = RunAsUser,
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
                                new JsonObject { ["name"] = "http", ["containerPort"] = HttpPort, ["protocol"] = "TCP" },
                                new JsonObject { ["name"] = "metrics", ["containerPort"] = MetricsPort, ["protocol"] = "TCP" }),
                            ["env"] = env,
                            ["resources"] = Resources(tierSpec?.Resources),
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

    /// <summary>
    /// The user's resources as written, or the defaults when there are none. Not merged per resource: a
    /// default limit under a user's larger request would make the Deployment invalid.
    /// </summary>
    private static JsonObject Resources(ResourcesSpec? resources)
    {
        if (resources is null)
        {
            return new JsonObject
            {
                ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "128Mi" },
                ["limits"] = new JsonObject { ["cpu"] = "1", ["memory"] = "256Mi" },
            };
        }

        var result = new JsonObject();
        foreach (var (field, values) in new[] { ("requests", resources.Requests), ("limits", resources.Limits) })
        {
            if (values is not null)
            {
                result[field] = new JsonObject([.. values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value.Value))]);
            }
        }

        return result;
    }

    private static IEnumerable<JsonObject> NetworkPolicies(string name, ShopInstanceSpec spec, Func<string, string?, JsonObject?, JsonObject> meta)
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
            ["ports"] = new JsonArray(Port(MetricsPort)),
        };
        JsonObject Policy(string policyName, string? tier, JsonArray ingress, JsonArray egress) => new()
        {
            ["apiVersion"] = "networking.k8s.io/v1",
            ["kind"] = "NetworkPolicy",
            ["metadata"] = meta(policyName, tier, null),
            ["spec"] = new JsonObject { ["podSelector"] = Pods(tier), ["policyTypes"] = new JsonArray("Ingress", "Egress"), ["ingress"] = ingress, ["egress"] = egress },
        };

        var egress = spec.Database.Egress;
        var database = new JsonObject { ["ports"] = new JsonArray(Port(5432)) };
        if (egress?.Cidr is { } cidr)
        {
            database["to"] = new JsonArray(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = cidr } });
        }
        else if (egress is { PodSelector: not null } or { NamespaceSelector: not null })
        {
            var peer = new JsonObject();
            if (egress.PodSelector is { } pods)
            {
                peer["podSelector"] = pods.DeepClone();
            }

            if (egress.NamespaceSelector is { } namespaces)
            {
                peer["namespaceSelector"] = namespaces.DeepClone();
            }

            database["to"] = new JsonArray(peer);
        }

        yield return Policy(name + "-default-deny", null, [], []);
        yield return Policy(
            name + "-web",
            "web",
            [new JsonObject { ["from"] = new JsonArray(FromIngressController()), ["ports"] = new JsonArray(Port(HttpPort)) }, Metrics()],
            [new JsonObject { ["to"] = new JsonArray(new JsonObject { ["podSelector"] = Pods("api") }), ["ports"] = new JsonArray(Port(HttpPort)) }, Dns()]);
        yield return Policy(
            name + "-api",
            "api",
            [new JsonObject { ["from"] = new JsonArray(FromIngressController(), new JsonObject { ["podSelector"] = Pods("web") }), ["ports"] = new JsonArray(Port(HttpPort)) }, Metrics()],
            [database, Dns()]);
    }

    private static JsonObject Ingress(string name, ShopInstanceSpec spec, Func<string, string?, JsonObject?, JsonObject> meta)
    {
        var annotations = new JsonObject();
        if (spec.Ingress?.RateLimitPerSecond is > 0 and var rps)
        {
            annotations["nginx.ingress.kubernetes.io/limit-rps"] = rps.ToString(CultureInfo.InvariantCulture);
        }

        if (spec.Tls?.ClusterIssuer is { } issuer)
        {
            annotations["cert-manager.io/cluster-issuer"] = issuer;
        }

        JsonObject Path(string path, string tier) => new()
        {
            ["path"] = path,
            ["pathType"] = "Prefix",
            ["backend"] = new JsonObject { ["service"] = new JsonObject { ["name"] = $"{name}-{tier}", ["port"] = new JsonObject { ["name"] = "http" } } },
        };
        var ingressSpec = new JsonObject
        {
            ["ingressClassName"] = spec.Ingress?.ClassName ?? Defaults.IngressClassName,
            ["rules"] = new JsonArray(new JsonObject { ["host"] = spec.Host, ["http"] = new JsonObject { ["paths"] = new JsonArray(Path("/api", "api"), Path("/", "web")) } }),
        };

        // cert-manager issues into the Secret the Ingress names, so an issuer alone still needs a Secret name.
        var secretName = spec.Tls?.SecretName ?? (spec.Tls?.ClusterIssuer is not null ? name + "-tls" : null);
        if (secretName is not null)
        {
            ingressSpec["tls"] = new JsonArray(new JsonObject { ["hosts"] = new JsonArray(spec.Host), ["secretName"] = secretName });
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
            ["app.kubernetes.io/managed-by"] = ManagedBy,
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
}
