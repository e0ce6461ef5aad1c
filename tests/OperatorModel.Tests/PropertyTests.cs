using System.Text.Json;
using System.Text.Json.Nodes;
using ShopOperator.Model;
using Xunit;

namespace OperatorModel.Tests;

/// <summary>Properties every generated spec's children must have: 300 seeded random ShopInstances (the seed is in the failure message).</summary>
public sealed class PropertyTests
{
    private const int Seed = 4_2026;
    private const int Count = 300;

    private static IEnumerable<(int Index, JsonObject Shop, ShopInstance Typed, IReadOnlyList<JsonObject> Children)> Generated()
    {
        var random = new Random(Seed);
        for (var i = 0; i < Count; i++)
        {
            var shop = Specs.Random(random);
            var errors = ShopInstanceValidator.Validate(shop);
            Assert.True(errors.Count == 0, $"seed {Seed} #{i}: generated spec rejected: {string.Join("; ", errors)}\n{shop.ToJsonString()}");
            var typed = ShopInstance.FromJson(shop);
            yield return (i, shop, typed, DesiredState.Build(typed, typed.Spec.Image, typed.Spec.Image));
        }
    }

    [Fact]
    public void Every_pod_template_passes_the_restricted_pod_security_standard()
    {
        foreach (var (i, _, _, children) in Generated())
        {
            foreach (var deployment in children.Where(c => Kind(c) == "Deployment"))
            {
                var violations = RestrictedViolations(deployment["spec"]!["template"]!["spec"]!.AsObject());
                Assert.True(violations.Count == 0, $"seed {Seed} #{i} {Name(deployment)}: {string.Join("; ", violations)}");
            }
        }
    }

    [Fact]
    public void Every_child_is_owned_by_the_shop_and_carries_the_standard_labels()
    {
        foreach (var (i, shop, typed, children) in Generated())
        {
            Assert.NotEmpty(children);
            foreach (var child in children)
            {
                var where = $"seed {Seed} #{i} {Kind(child)} {Name(child)}";
                var owner = Assert.Single(child["metadata"]!["ownerReferences"]!.AsArray())!;
                Assert.True(owner["controller"]!.GetValue<bool>(), where);
                Assert.True(owner["blockOwnerDeletion"]!.GetValue<bool>(), where);
                Assert.Equal(("shop.example.com/v1alpha1", "ShopInstance", typed.Name, typed.Uid), (Text(owner["apiVersion"]), Text(owner["kind"]), Text(owner["name"]), Text(owner["uid"])));
                Assert.Equal(typed.Namespace, Text(child["metadata"]!["namespace"]));
                var labels = child["metadata"]!["labels"]!.AsObject();
                Assert.Equal("shop", Text(labels["app.kubernetes.io/name"]));
                Assert.Equal(typed.Name, Text(labels["app.kubernetes.io/instance"]));
                Assert.Equal("shop", Text(labels["app.kubernetes.io/part-of"]));
                Assert.Equal("shop-operator", Text(labels["app.kubernetes.io/managed-by"]));
                Assert.True(Name(child).Length <= 253 && (Kind(child) != "Service" || Name(child).Length <= 63), where);
                Assert.True(Text(labels["app.kubernetes.io/instance"])!.Length <= 63, where);
            }

            // Nothing the user did not ask for: PDBs only with more than one replica or an unset count (an HPA's), the
            // db Secret only when provisioning; replicas applied exactly when the spec sets them.
            Assert.Equal(
                new[] { typed.Spec.Web, typed.Spec.Api }.Count(t => t?.Replicas is null or > 1),
                children.Count(c => Kind(c) == "PodDisruptionBudget"));
            Assert.All(children.Where(c => Kind(c) == "Deployment"), d => Assert.Equal(
                (Name(d).EndsWith("-api", StringComparison.Ordinal) ? typed.Spec.Api : typed.Spec.Web)?.Replicas,
                d["spec"]!["replicas"]?.GetValue<int>()));
            Assert.Equal(typed.Spec.Database.Provision is not null, children.Any(c => Name(c) == typed.Name + "-db"));
            Assert.Equal(children.Count, children.Select(c => Kind(c) + "/" + Name(c)).Distinct().Count());
            _ = shop;
        }
    }

    [Fact]
    public void Every_image_is_a_digest_and_both_tiers_run_the_same_one_outside_a_rollout()
    {
        foreach (var (i, _, typed, children) in Generated())
        {
            var images = children.Where(c => Kind(c) == "Deployment")
                .SelectMany(d => d["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => Text(c!["image"])!))
                .ToList();
            Assert.Equal(2, images.Count);
            Assert.All(images, image => Assert.Matches(Patterns.DigestImage, image));
            Assert.True(images.Distinct().Count() == 1 && images[0] == typed.Spec.Image, $"seed {Seed} #{i}: {string.Join(", ", images)}");
        }
    }

    [Fact]
    public void A_planned_steady_shop_runs_spec_image_on_both_tiers()
    {
        var random = new Random(Seed + 1);
        for (var i = 0; i < Count; i++)
        {
            var shop = Specs.Random(random);
            var image = shop["spec"]!["image"]!.GetValue<string>();
            shop["status"] = new JsonObject { ["servingImage"] = image };
            var plan = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), null, null, null, DateTimeOffset.UnixEpoch));

            var images = plan.Children.Where(c => Kind(c) == "Deployment").Select(d => Text(d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"])).Distinct().ToList();
            Assert.Equal([image], images);
            Assert.Null(plan.Status.RolloutImage);
        }
    }

    [Fact]
    public void Generated_secrets_hold_only_empty_placeholders_in_desired_state()
    {
        foreach (var (i, _, _, children) in Generated())
        {
            foreach (var secret in children.Where(c => Kind(c) == "Secret"))
            {
                Assert.Null(secret["stringData"]);
                var data = secret["data"]!.AsObject();
                Assert.NotEmpty(data);
                Assert.All(data, kv => Assert.True(Text(kv.Value) == "", $"seed {Seed} #{i} {Name(secret)}.{kv.Key} is not an empty placeholder"));
            }
        }
    }

    [Fact]
    public void Proxy_env_is_present_exactly_when_a_proxy_is_configured_and_NO_PROXY_always_has_the_api_Service()
    {
        string[] names = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];
        var withProxy = 0;
        foreach (var (i, _, typed, children) in Generated())
        {
            var proxy = typed.Spec.Egress?.Proxy;
            withProxy += proxy is null ? 0 : 1;
            foreach (var deployment in children.Where(c => Kind(c) == "Deployment"))
            {
                var env = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
                    .ToDictionary(e => Text(e!["name"])!, e => Text(e!["value"]));
                var where = $"seed {Seed} #{i} {Name(deployment)}";
                Assert.True(names.All(env.ContainsKey) == (proxy is not null) && names.Any(env.ContainsKey) == (proxy is not null), where);
                if (proxy is null)
                {
                    continue;
                }

                Assert.True(env["HTTP_PROXY"] == proxy.Url && env["https_proxy"] == proxy.Url, where);
                foreach (var key in new[] { "NO_PROXY", "no_proxy" })
                {
                    var hosts = env[key]!.Split(',');
                    Assert.True(hosts.Contains(typed.Name + "-api") && hosts.Contains($"{typed.Name}-api.{typed.Namespace}") && hosts.Contains(".svc") && hosts.Contains(".cluster.local"), $"{where}: {key}={env[key]}");
                    Assert.True((proxy.NoProxy ?? []).All(hosts.Contains), $"{where}: {key} lacks a listed host");

                    // The database host of a key-per-field Secret or of a provisioned database (the Secret the operator
                    // writes), by the kubelet's $(VAR) expansion: on the api tier only, and only after SHOP_DB_HOST (a
                    // reference to a later variable is not expanded).
                    var fields = typed.Spec.Database.ConnectionSecretRef?.Format == ShopOperator.Model.ConnectionSecretFormat.Fields
                        || typed.Spec.Database.Provision is not null;
                    var isApi = Name(deployment).EndsWith("-api", StringComparison.Ordinal);
                    Assert.True(hosts.Contains("$(SHOP_DB_HOST)") == (fields && isApi), $"{where}: {key}={env[key]}");
                    if (fields && isApi)
                    {
                        var order = env.Keys.ToList();
                        Assert.True(order.IndexOf("SHOP_DB_HOST") is >= 0 and var at && at < order.IndexOf(key), $"{where}: SHOP_DB_HOST after {key}");
                    }
                }
            }

            // Egress to the proxy's port only, and only with a proxy.
            var port = proxy is null ? (int?)null : ShopOperator.Model.ProxySpec.PortOf(proxy.Url);
            foreach (var policy in children.Where(c => Kind(c) == "NetworkPolicy" && c["spec"]!["egress"]!.AsArray().Count > 0))
            {
                var ports = policy["spec"]!["egress"]!.AsArray().SelectMany(r => r!["ports"]!.AsArray()).Select(p => p!["port"]!.GetValue<int>()).ToList();
                Assert.True(port is null || ports.Contains(port.Value), $"seed {Seed} #{i} {Name(policy)}: no rule for the proxy port {port}");
            }
        }

        Assert.True(withProxy > 0, "no generated shop had a proxy");
    }

    [Fact]
    public void Both_tiers_trust_forwarded_headers_from_the_listed_networks_else_the_private_ranges_and_nothing_for_an_empty_list()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, _, typed, children) in Generated())
        {
            var listed = typed.Spec.Network?.TrustedProxyCIDRs;
            var expected = listed is null ? "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7" : listed.Count == 0 ? null : string.Join(',', listed.Distinct());
            seen.Add(listed is null ? "default" : listed.Count == 0 ? "empty" : "listed");
            foreach (var deployment in children.Where(c => Kind(c) == "Deployment"))
            {
                var env = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
                var trusted = env.Where(e => Text(e!["name"]) == "SHOP_TRUSTED_NETWORKS").Select(e => Text(e!["value"])).ToList();
                Assert.True(expected is null ? trusted.Count == 0 : trusted.SequenceEqual([expected]), $"seed {Seed} #{i} {Name(deployment)}: {string.Join(" | ", trusted)}");
            }
        }

        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public void Building_twice_gives_the_same_objects()
    {
        foreach (var (i, _, typed, children) in Generated().Take(50))
        {
            var again = DesiredState.Build(typed, typed.Spec.Image, typed.Spec.Image);
            Assert.True(children.Zip(again).All(p => JsonNode.DeepEquals(p.First, p.Second)), $"seed {Seed} #{i}");
        }
    }

    /// <summary>
    /// The Pod Security Standards "restricted" profile (the shared checker) plus what the shop's pods promise on top:
    /// a read-only root filesystem, and requests and limits on every container.
    /// </summary>
    internal static List<string> RestrictedViolations(JsonObject pod)
    {
        var problems = PodSecurity.Violations(pod).ToList();
        foreach (var container in (pod["initContainers"]?.AsArray() ?? []).Concat(pod["containers"]!.AsArray()))
        {
            var name = Text(container!["name"]);
            if (container["securityContext"]?["readOnlyRootFilesystem"]?.GetValue<bool>() != true)
            {
                problems.Add($"{name}: readOnlyRootFilesystem (the shop writes only /tmp)");
            }

            if (container["resources"]?["requests"] is null || container["resources"]?["limits"] is null)
            {
                problems.Add($"{name}: requests and limits");
            }
        }

        return problems;
    }

    private static string Kind(JsonObject o) => Text(o["kind"])!;

    private static string Name(JsonObject o) => Text(o["metadata"]!["name"])!;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
