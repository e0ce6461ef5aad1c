using System.Globalization;
using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>One Deployment per tier, running <c>image</c> (the rollout planner's choice for that tier) under the restricted pod security profile.</summary>
public static class Deployments
{
    public static JsonObject Build(ShopInstance shop, string tier, string image)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var name = shop.Name;
        var spec = shop.Spec;
        var selector = ChildMeta.Selector(name, tier);
        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = ChildMeta.For(shop, ChildMeta.TierName(name, tier), tier),
            ["spec"] = new JsonObject
            {
                ["replicas"] = Tiers.Replicas(spec, tier),
                ["progressDeadlineSeconds"] = spec.Rollout?.ProgressDeadlineSeconds ?? Defaults.ProgressDeadlineSeconds,
                ["selector"] = new JsonObject { ["matchLabels"] = selector.DeepClone() },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["labels"] = ChildMeta.Labels(name, tier),
                        ["annotations"] = new JsonObject
                        {
                            ["prometheus.io/scrape"] = "true",
                            ["prometheus.io/port"] = DesiredState.MetricsPort.ToString(CultureInfo.InvariantCulture),
                            ["prometheus.io/path"] = "/metrics",
                        },
                    },
                    ["spec"] = new JsonObject
                    {
                        ["serviceAccountName"] = ChildMeta.TierName(name, tier),
                        ["automountServiceAccountToken"] = false,
                        ["securityContext"] = new JsonObject
                        {
                            ["runAsNonRoot"] = true,
                            ["runAsUser"] = DesiredState.RunAsUser,
                            ["runAsGroup"] = DesiredState.RunAsUser,
                            ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
                        },
                        ["topologySpreadConstraints"] = new JsonArray(new JsonObject
                        {
                            ["maxSkew"] = 1,
                            ["topologyKey"] = "kubernetes.io/hostname",
                            ["whenUnsatisfiable"] = "ScheduleAnyway",
                            ["labelSelector"] = new JsonObject { ["matchLabels"] = selector },
                        }),
                        ["containers"] = new JsonArray(Container(shop, tier, image)),
                        ["volumes"] = new JsonArray(new JsonObject { ["name"] = "tmp", ["emptyDir"] = new JsonObject() }),
                    },
                },
            },
        };
        if (Tiers.Replicas(spec, tier) is null)
        {
            // Not applied, so server-side apply leaves the count to its owner (an HPA's kube-controller-manager).
            deployment["spec"]!.AsObject().Remove("replicas");
        }

        return deployment;
    }

    /// <summary>The Secret and key the api tier reads its connection string from (given, or the provisioned one).</summary>
    public static (string Secret, string Key) DatabaseConnection(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var reference = shop.Spec.Database.ConnectionSecretRef;
        return (reference?.Name ?? Secrets.DatabaseName(shop.Name), reference?.Key ?? Defaults.ConnectionStringKey);
    }

    private static JsonObject Container(ShopInstance shop, string tier, string image)
    {
        var env = new JsonArray();
        if (tier == Tiers.Api)
        {
            foreach (var variable in DatabaseSecret.Env(shop))
            {
                env.Add(variable);
            }
        }
        else
        {
            env.Add(new JsonObject { ["name"] = "SHOP_API_URL", ["value"] = "http://" + ChildMeta.TierName(shop.Name, Tiers.Api) });
            env.Add(SecretEnv("SHOP_DATA_PROTECTION_KEY", Secrets.WebKeysName(shop.Name), "dataProtectionKey"));
        }

        if (TrustedNetworks(shop) is { Count: > 0 } trusted)
        {
            env.Add(new JsonObject { ["name"] = "SHOP_TRUSTED_NETWORKS", ["value"] = string.Join(',', trusted) });
        }

        if (tier == Tiers.Api && shop.Spec.Egress?.Proxy is not null && shop.Spec.Database.Provision is not null)
        {
            // A provisioned database's host, from the Secret the operator writes (optional: Secrets written before
            // it had the key leave it empty), so that NO_PROXY can name it.
            env.Add(new JsonObject
            {
                ["name"] = DatabaseSecret.HostVariable,
                ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = Secrets.DatabaseName(shop.Name), ["key"] = "host", ["optional"] = true } },
            });
        }

        // After the database variables: NO_PROXY may name $(SHOP_DB_HOST), which the kubelet expands from earlier entries only.
        foreach (var (name, value) in ProxyEnv(shop, tier))
        {
            env.Add(new JsonObject { ["name"] = name, ["value"] = value });
        }

        return new JsonObject
        {
            ["name"] = "shop",
            ["image"] = image,
            ["args"] = new JsonArray(tier),
            ["ports"] = new JsonArray(
                new JsonObject { ["name"] = "http", ["containerPort"] = DesiredState.HttpPort, ["protocol"] = "TCP" },
                new JsonObject { ["name"] = "metrics", ["containerPort"] = DesiredState.MetricsPort, ["protocol"] = "TCP" }),
            ["env"] = env,
            ["resources"] = Resources(Tiers.Spec(shop.Spec, tier)?.Resources),
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
        };
    }

    /// <summary>
    /// HTTP_PROXY, HTTPS_PROXY, NO_PROXY and their lower-case forms (curl and Go read only some of either; .NET reads
    /// both) when spec.egress.proxy is set, else nothing.
    /// </summary>
    public static IReadOnlyList<(string Name, string Value)> ProxyEnv(ShopInstance shop, string tier)
    {
        ArgumentNullException.ThrowIfNull(shop);
        if (shop.Spec.Egress?.Proxy is not { } proxy)
        {
            return [];
        }

        var noProxy = string.Join(',', NoProxy(shop, tier));
        return
        [
            ("HTTP_PROXY", proxy.Url), ("HTTPS_PROXY", proxy.Url), ("NO_PROXY", noProxy),
            ("http_proxy", proxy.Url), ("https_proxy", proxy.Url), ("no_proxy", noProxy),
        ];
    }

    /// <summary>
    /// The hosts reached directly: the api Service by every name a pod may use for it (the web tier calls
    /// http://&lt;name&gt;-api), loopback, the cluster-local suffixes, then spec.egress.proxy.noProxy; no duplicates.
    /// On the api tier with a key-per-field database Secret or a provisioned database, last, the database host as
    /// <c>$(SHOP_DB_HOST)</c>: the kubelet expands it from the Secret's host key at container start (the user's Secret,
    /// or the one the operator writes for spec.database.provision), so no pod spec carries it. (Npgsql
    /// connects over TCP and never consults the proxy variables: the entry only keeps HTTP clients off the proxy
    /// for that host.)
    /// </summary>
    public static IReadOnlyList<string> NoProxy(ShopInstance shop, string tier)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var api = ChildMeta.TierName(shop.Name, Tiers.Api);
        var always = new List<string> { api };
        if (!string.IsNullOrEmpty(shop.Namespace))
        {
            always.Add($"{api}.{shop.Namespace}");
            always.Add($"{api}.{shop.Namespace}.svc");
        }

        always.AddRange(["localhost", "127.0.0.1", ".svc", ".cluster.local"]);
        IEnumerable<string> database = tier == Tiers.Api && (DatabaseSecret.UsesFields(shop) || shop.Spec.Database.Provision is not null)
            ? [$"$({DatabaseSecret.HostVariable})"]
            : [];
        return [.. always.Concat(shop.Spec.Egress?.Proxy?.NoProxy ?? []).Concat(database).Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>The private ranges trusted for X-Forwarded-* when spec.network.trustedProxyCIDRs is not set.</summary>
    public static IReadOnlyList<string> DefaultTrustedProxyCidrs { get; } = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"];

    /// <summary>
    /// SHOP_TRUSTED_NETWORKS of both tiers: spec.network.trustedProxyCIDRs, else the private ranges. The NetworkPolicies
    /// admit the http port only from the ingress peers (and the web tier, to the api), so whatever reaches it from a
    /// private address came along the ingress path; an empty list leaves loopback only (no variable).
    /// </summary>
    public static IReadOnlyList<string> TrustedNetworks(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        return shop.Spec.Network?.TrustedProxyCIDRs is { } given ? [.. given.Distinct(StringComparer.Ordinal)] : DefaultTrustedProxyCidrs;
    }

    private static JsonObject Probe(string path, int failures) => new()
    {
        ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = "http" },
        ["periodSeconds"] = 10,
        ["failureThreshold"] = failures,
    };

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

    private static JsonObject SecretEnv(string name, string secret, string key) => new()
    {
        ["name"] = name,
        ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = key } },
    };
}
