using System.Text.Json;
using System.Text.Json.Nodes;
using Cel;
using Config.Tests.Manifests;
using Xunit;

namespace Config.Tests.GitOps;

/// <summary>
/// Flux's verdict on a ShopInstance: the Kustomizations' healthCheckExprs evaluated with a CEL implementation in
/// Flux's order (inProgress, failed, current; none true or an evaluation error: in progress, i.e. wait until the
/// timeout), next to a port of kstatus' generic rules, which is what Flux uses without healthCheckExprs.
/// </summary>
public sealed class FluxHealthTests
{
    public static TheoryData<ShopStatusCase> Cases => new(ShopStatuses.All);

    public static TheoryData<string> Environments => new("dev", "stage", "prod");

    private static JsonObject Kustomization(string env) =>
        YamlJson.LoadAll(Repo.Read($"config/gitops/flux/shop-{env}.yaml")).Single()!.AsObject();

    private static JsonObject Exprs(string env) =>
        Kustomization(env)["spec"]!["healthCheckExprs"]!.AsArray().Single(e => (string?)e!["kind"] == "ShopInstance")!.AsObject();

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_healthCheckExprs_follow_Ready_and_never_pass_a_shop_without_status(ShopStatusCase shop)
    {
        var verdict = Evaluate(Exprs("dev"), shop.Shop);
        Assert.True(shop.Flux == verdict, $"{shop.Name}: expected {shop.Flux}, got {verdict}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Kstatus_generic_rules_alone_would_pass_a_shop_without_status(ShopStatusCase shop)
    {
        var verdict = Kstatus(shop.Shop);
        Assert.True(shop.Kstatus == verdict, $"{shop.Name}: expected {shop.Kstatus}, got {verdict}");
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_environment_checks_its_ShopInstance_with_the_same_expressions(string env)
    {
        var spec = Kustomization(env)["spec"]!;
        Assert.Equal("shop.example.com/v1alpha1", (string?)Exprs(env)["apiVersion"]);
        Assert.True(JsonNode.DeepEquals(Exprs("dev"), Exprs(env)));
        Assert.Equal("ShopInstance", (string?)spec["healthChecks"]![0]!["kind"]);
        Assert.Equal("shop-operator", (string?)spec["dependsOn"]![0]!["name"]);
    }

    /// <summary>Flux's CEL health check: inProgress, then failed, then current; nothing true (or an error) means in progress.</summary>
    private static string Evaluate(JsonObject exprs, JsonObject obj)
    {
        var environment = new CelEnvironment(null, null);
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            variables[key] = ToCel(value);
        }

        foreach (var (field, verdict) in new[] { ("inProgress", "InProgress"), ("failed", "Failed"), ("current", "Current") })
        {
            if ((string?)exprs[field] is not { } expression)
            {
                continue;
            }

            try
            {
                if (environment.Compile(expression).Invoke(variables) is true)
                {
                    return verdict;
                }
            }
            catch (Exception e) when (e is CelException or KeyNotFoundException or InvalidCastException)
            {
                // Flux reports the evaluation error and keeps waiting: not healthy.
                return "InProgress";
            }
        }

        return "InProgress";
    }

    /// <summary>kstatus' generic rules (sigs.k8s.io/cli-utils/pkg/kstatus/status, checkGenericProperties) for a kind it has no rules for.</summary>
    private static string Kstatus(JsonObject obj)
    {
        var status = obj["status"] as JsonObject;
        if (status?["observedGeneration"] is { } observed && (long)observed != (long)obj["metadata"]!["generation"]!)
        {
            return "InProgress";
        }

        foreach (var condition in status?["conditions"]?.AsArray() ?? [])
        {
            if ((string?)condition!["type"] == "Reconciling" && (string?)condition["status"] == "True")
            {
                return "InProgress";
            }

            if ((string?)condition["type"] == "Stalled" && (string?)condition["status"] == "True")
            {
                return "Failed";
            }
        }

        return "Current";
    }

    private static object? ToCel(JsonNode? node) => node switch
    {
        null => null,
        JsonObject map => map.ToDictionary(p => p.Key, p => ToCel(p.Value), StringComparer.Ordinal),
        JsonArray list => list.Select(ToCel).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => value.TryGetValue<long>(out var l) ? l : value.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };
}
