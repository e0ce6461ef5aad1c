using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Model;
using ShopOperator.Model.Specs;
using Xunit;

namespace OperatorModel.Tests;

/// <summary>
/// Each child builder of ShopOperator.Model.Specs on its own, for every sample (and the variants that reach its
/// other branches), compared with golden/specs/&lt;kind&gt;.yaml. Refresh with
/// <c>UPDATE_GOLDEN=1 dotnet test tests/OperatorModel.Tests --filter GoldenTests</c> and review the diff.
/// </summary>
public sealed class SpecGoldenTests
{
    private const string Image = "ghcr.io/example/shop@sha256:4f5e0d7c1b2a39486f7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a";

    public static TheoryData<string> Kinds => new(Builders.Keys);

    private static readonly Dictionary<string, Func<ShopInstance, IEnumerable<JsonObject?>>> Builders = new(StringComparer.Ordinal)
    {
        ["secrets"] = shop => Secrets.Build(shop),
        ["serviceaccounts"] = shop => Tiers.All.Select(t => ServiceAccounts.Build(shop, t)),
        ["services"] = shop => Tiers.All.Select(t => Services.Build(shop, t)),
        ["deployments"] = shop => Tiers.All.Select(t => Deployments.Build(shop, t, Image)),
        ["poddisruptionbudgets"] = shop => Tiers.All.Select(t => PodDisruptionBudgets.Build(shop, t)),
        ["networkpolicies"] = shop => NetworkPolicies.Build(shop),
        ["ingresses"] = shop => [Ingresses.Build(shop)],
    };

    /// <summary>The samples, then the variants no sample shows.</summary>
    public static IReadOnlyList<ShopInstance> Shops()
    {
        var samples = new[] { "shopinstance-minimal.yaml", "shopinstance-full.yaml", "provision/shopinstance-provisioned.yaml" }
            .Select(f => (JsonObject)JsonYaml.FromYaml(File.ReadAllText(Repo.Path("config/samples/" + f))).Single())
            .ToList();
        var selectorEgress = Specs.Valid("demo-selectors");
        selectorEgress["spec"]!["database"]!["egress"] = new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "postgres" } },
            ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "db" } },
        };
        var issuerOnly = Specs.Valid("demo-issuer");
        issuerOnly["spec"]!["tls"] = new JsonObject { ["clusterIssuer"] = "letsencrypt-prod" };
        return [.. samples.Append(selectorEgress).Append(issuerOnly).Select(ShopInstance.FromJson)];
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_builder_renders_its_golden_file(string kind)
    {
        var objects = Shops().SelectMany(shop => Builders[kind](shop)).OfType<JsonObject>().ToList();
        Golden.Check($"specs/{kind}.yaml", JsonYaml.ToYaml(objects), $"the {kind} built for the samples");
    }

    [Fact]
    public void DesiredState_is_exactly_the_builders_output()
    {
        foreach (var shop in Shops())
        {
            var composed = DesiredState.Build(shop, Image, Image);
            var fromBuilders = Builders.Values.SelectMany(b => b(shop)).OfType<JsonObject>().ToList();
            Assert.Equal(fromBuilders.Count, composed.Count);
            Assert.All(composed, child => Assert.Contains(fromBuilders, b => JsonNode.DeepEquals(b, child)));
        }
    }
}
