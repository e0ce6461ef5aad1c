using System.Text.Json.Nodes;
using ShopOperator.Diagnose;
using ShopOperator.Model;

namespace Operator.Tests.Diagnose;

/// <summary>
/// Hand-made cluster states for the diagnose steps: a healthy shop as the operator renders it, with pods, endpoints
/// and a load balancer, and small edits that break one thing each.
/// </summary>
internal static class Snapshots
{
    public const string Image = "ghcr.io/example/shop@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public const string LoadBalancerIp = "203.0.113.10";
    public static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    public const string GatewayRef = "gateway-system/shared-gateway";

    public static JsonObject Shop(bool gateway = false)
    {
        var shop = Shop();
        if (gateway)
        {
            shop["spec"]!["gateway"] = new JsonObject { ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "shared-gateway", ["namespace"] = "gateway-system" }) };
        }

        return shop;
    }

    public static JsonObject Shop() => new()
    {
        ["apiVersion"] = "shop.example.com/v1alpha1",
        ["kind"] = "ShopInstance",
        ["metadata"] = new JsonObject { ["name"] = "demo", ["namespace"] = "shop-dev", ["uid"] = "uid-demo", ["generation"] = 2 },
        ["spec"] = new JsonObject
        {
            ["image"] = Image,
            ["host"] = "shop.example.com",
            ["web"] = new JsonObject { ["replicas"] = 2 },
            ["api"] = new JsonObject { ["replicas"] = 2, ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = "256Mi" } } },
            ["database"] = new JsonObject
            {
                ["connectionSecretRef"] = new JsonObject { ["name"] = "shop-db", ["key"] = "connectionString" },
                ["egress"] = new JsonObject { ["cidr"] = "10.0.0.0/16" },
            },
        },
        ["status"] = new JsonObject
        {
            ["observedGeneration"] = 2,
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "Available" },
                new JsonObject { ["type"] = "DatabaseReady", ["status"] = "True", ["reason"] = "ExternalSecret" }),
            ["history"] = new JsonArray(new JsonObject { ["image"] = Image, ["outcome"] = "Succeeded", ["startedAt"] = "2026-11-29T09:00:00Z" }),
        },
    };

    /// <summary>A healthy shop; with <paramref name="gateway"/>, exposed through an HTTPRoute on an accepted, addressed Gateway instead of an Ingress.</summary>
    public static ClusterSnapshot Healthy(bool gateway = false)
    {
        var shop = Shop(gateway);
        var typed = ShopInstance.FromJson(shop);
        var owner = new JsonObject { ["apiVersion"] = "shop.example.com/v1alpha1", ["kind"] = "ShopInstance", ["name"] = "demo", ["uid"] = "uid-demo", ["controller"] = true };
        var children = DesiredState.Build(typed, Image, Image).Select(c =>
        {
            c["metadata"]!["namespace"] = "shop-dev";
            c["metadata"]!["ownerReferences"] = new JsonArray(owner.DeepClone());
            c["metadata"]!["creationTimestamp"] = "2026-11-28T09:00:00Z";
            return c;
        }).ToList();
        var ingresses = children.Where(c => (string?)c["kind"] == "Ingress").ToList();
        foreach (var ingress in ingresses)
        {
            ingress["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = LoadBalancerIp }) } };
        }

        var routes = children.Where(c => (string?)c["kind"] == "HTTPRoute").ToList();
        foreach (var route in routes)
        {
            route["status"] = new JsonObject
            {
                ["parents"] = new JsonArray(new JsonObject
                {
                    ["parentRef"] = new JsonObject { ["name"] = "shared-gateway", ["namespace"] = "gateway-system" },
                    ["controllerName"] = "gateway.envoyproxy.io/gatewayclass-controller",
                    ["conditions"] = new JsonArray(
                        new JsonObject { ["type"] = "Accepted", ["status"] = "True", ["reason"] = "Accepted" },
                        new JsonObject { ["type"] = "ResolvedRefs", ["status"] = "True", ["reason"] = "ResolvedRefs" }),
                }),
            };
        }

        var gateways = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        if (gateway)
        {
            gateways[GatewayRef] = new JsonObject
            {
                ["apiVersion"] = "gateway.networking.k8s.io/v1",
                ["kind"] = "Gateway",
                ["metadata"] = new JsonObject { ["name"] = "shared-gateway", ["namespace"] = "gateway-system" },
                ["status"] = new JsonObject
                {
                    ["addresses"] = new JsonArray(new JsonObject { ["type"] = "IPAddress", ["value"] = LoadBalancerIp }),
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Programmed", ["status"] = "True", ["reason"] = "Programmed" }),
                },
            };
        }

        var pods = new List<JsonObject>();
        var slices = new List<JsonObject>();
        foreach (var tier in new[] { "web", "api" })
        {
            var deployment = children.Single(c => (string?)c["kind"] == "Deployment" && (string?)c["metadata"]!["name"] == "demo-" + tier);
            var endpoints = new JsonArray();
            for (var i = 0; i < 2; i++)
            {
                var name = $"demo-{tier}-5d8f7c-{i}";
                pods.Add(Pod(name, deployment));
                endpoints.Add(new JsonObject
                {
                    ["addresses"] = new JsonArray($"10.244.0.{pods.Count}"),
                    ["conditions"] = new JsonObject { ["ready"] = true },
                    ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["name"] = name, ["namespace"] = "shop-dev" },
                });
            }

            slices.Add(new JsonObject
            {
                ["apiVersion"] = "discovery.k8s.io/v1",
                ["kind"] = "EndpointSlice",
                ["metadata"] = new JsonObject { ["name"] = $"demo-{tier}-abcde", ["namespace"] = "shop-dev", ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = "demo-" + tier } },
                ["addressType"] = "IPv4",
                ["endpoints"] = endpoints,
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 8080, ["protocol"] = "TCP" }),
            });
        }

        return new ClusterSnapshot
        {
            Shop = shop,
            Deployments = [.. children.Where(c => (string?)c["kind"] == "Deployment")],
            Services = [.. children.Where(c => (string?)c["kind"] == "Service")],
            Ingresses = ingresses,
            HttpRoutes = routes,
            Gateways = gateways,
            NetworkPolicies = [.. children.Where(c => (string?)c["kind"] == "NetworkPolicy")],
            Pods = pods,
            EndpointSlices = slices,
            IngressClasses = new HashSet<string>(["nginx"], StringComparer.Ordinal),
            Secrets = new Dictionary<string, SecretKeys>(StringComparer.Ordinal) { ["shop-db"] = new("shop-db", new HashSet<string>(["connectionString"], StringComparer.Ordinal)) },
            Dns = new DnsAnswer("shop.example.com", [LoadBalancerIp], null),
            Now = Now,
            Since = TimeSpan.FromHours(1),
        };
    }

    private static JsonObject Pod(string name, JsonObject deployment)
    {
        var template = deployment["spec"]!["template"]!;
        var containers = template["spec"]!["containers"]!.AsArray();
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "shop-dev", ["labels"] = template["metadata"]!["labels"]!.DeepClone() },
            ["spec"] = template["spec"]!.DeepClone(),
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(
                    new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" },
                    new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                ["containerStatuses"] = new JsonArray([.. containers.Select(c => (JsonNode?)new JsonObject
                {
                    ["name"] = (string?)c!["name"],
                    ["image"] = (string?)c["image"],
                    ["ready"] = true,
                    ["restartCount"] = 0,
                    ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = "2026-11-29T09:01:00Z" } },
                })]),
            },
        };
    }

    /// <summary>Makes one pod of a tier not Ready with its first container in the given state.</summary>
    public static ClusterSnapshot WithBrokenPod(this ClusterSnapshot snapshot, string tier, JsonObject containerState, JsonObject? lastState = null, int restarts = 0)
    {
        var pod = snapshot.Pods.First(p => (string?)p["metadata"]!["labels"]!["app.kubernetes.io/component"] == tier);
        pod["status"]!["conditions"]![1]!["status"] = "False";
        var status = pod["status"]!["containerStatuses"]![0]!.AsObject();
        status["ready"] = false;
        status["state"] = containerState;
        status["restartCount"] = restarts;
        if (lastState is not null)
        {
            status["lastState"] = lastState;
        }

        foreach (var endpoint in snapshot.EndpointSlices.SelectMany(s => s["endpoints"]!.AsArray()))
        {
            if ((string?)endpoint!["targetRef"]!["name"] == (string?)pod["metadata"]!["name"])
            {
                endpoint["conditions"]!["ready"] = false;
            }
        }

        return snapshot;
    }

    public static JsonObject Waiting(string reason, string message) =>
        new() { ["waiting"] = new JsonObject { ["reason"] = reason, ["message"] = message } };
}
