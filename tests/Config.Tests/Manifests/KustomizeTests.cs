using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace Config.Tests.Manifests;

[Collection(KustomizeFixture.Collection)]
public sealed partial class KustomizeTests(KustomizeFixture fixture)
{
    public static TheoryData<string> Directories => new(KustomizeFixture.KustomizationDirectories());

    private static readonly Dictionary<string, Func<JsonObject, IEnumerable<string>>> CustomKinds = new(StringComparer.Ordinal)
    {
        ["monitoring.coreos.com/PodMonitor"] = o => Require(o, "spec.selector", "spec.podMetricsEndpoints[0].port"),
        ["monitoring.coreos.com/ServiceMonitor"] = o => Require(o, "spec.selector", "spec.endpoints[0].port"),
        ["monitoring.coreos.com/PrometheusRule"] = o => Require(o, "spec.groups[0].name", "spec.groups[0].rules[0].expr"),
        ["argoproj.io/Application"] = o => Require(o, "spec.project", "spec.source.repoURL", "spec.source.path", "spec.source.targetRevision", "spec.destination.server", "spec.destination.namespace"),
        ["kustomize.toolkit.fluxcd.io/Kustomization"] = o => Require(o, "spec.interval", "spec.sourceRef.kind", "spec.sourceRef.name", "spec.path", "spec.prune")
            .Concat(o["spec"]?["wait"] is null && o["spec"]?["healthChecks"] is null ? ["neither spec.wait nor spec.healthChecks: Flux would not wait for health"] : []),
        ["source.toolkit.fluxcd.io/GitRepository"] = o => Require(o, "spec.url", "spec.interval", "spec.ref.branch"),
        ["shop.example.com/ShopInstance"] = o => Require(o, "spec.image", "spec.host", "spec.database"),
    };

    [SkippableTheory]
    [MemberData(nameof(Directories))]
    public void Builds_with_kubectl_kustomize(string directory)
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        Skip.If(KustomizeFixture.NeedsCrd(directory) && !Repo.CrdGenerated, $"{Repo.CrdFile} is not generated yet (shop-operator crd)");
        var build = fixture.Build(directory);
        Assert.True(build.Result.ExitCode == 0, $"kubectl kustomize {directory} failed:\n{build.Result.StdErr}");
        Assert.NotEmpty(build.Objects);
    }

    [SkippableFact]
    public void Every_built_in_object_parses_into_the_typed_model_without_unknown_fields()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var builtIn = fixture.All.Where(m => m.IsBuiltIn).ToList();
        Assert.NotEmpty(builtIn);
        var problems = builtIn.SelectMany(StrictModel.Problems).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [SkippableFact]
    public void Every_custom_kind_is_known_and_has_its_required_fields()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var problems = new List<string>();
        foreach (var m in fixture.All.Where(m => !m.IsBuiltIn))
        {
            var key = m.Group + "/" + m.Kind;
            if (!CustomKinds.TryGetValue(key, out var check))
            {
                problems.Add($"{m}: no structural check for {key}");
                continue;
            }

            problems.AddRange(check(m.Json).Select(p => $"{m}: {p}"));
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [SkippableFact]
    public void Every_ShopInstance_matches_the_generated_CRD_schema()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        Skip.IfNot(Repo.CrdGenerated, $"{Repo.CrdFile} is not generated yet (shop-operator crd)");
        var crd = YamlJson.LoadAll(Repo.Read(Repo.CrdFile)).Single()!.AsObject();
        var schema = crd["spec"]!["versions"]!.AsArray().Single(v => (string?)v!["name"] == "v1alpha1")!["schema"]!["openAPIV3Schema"]!.AsObject();
        var shops = fixture.All.Where(m => m.Kind == "ShopInstance").ToList();
        Assert.NotEmpty(shops);
        var problems = shops.SelectMany(s => SchemaCheck.Problems(s.Json, schema).Select(p => $"{s}: {p}")).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [SkippableFact]
    public void Every_pod_template_is_restricted()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var workloads = fixture.All.Select(m => (m, spec: m.PodSpec)).Where(p => p.spec is not null).ToList();
        var problems = workloads.SelectMany(p => PodSecurity.Violations(p.spec!).Select(v => $"{p.m}: {v}")).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [SkippableFact]
    public void Every_image_is_named_by_digest()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var images = new List<(Manifest, string)>();
        foreach (var m in fixture.All)
        {
            var spec = m.PodSpec;
            if (spec is not null)
            {
                images.AddRange(new[] { "initContainers", "containers" }
                    .SelectMany(k => spec[k]?.AsArray() ?? [])
                    .Select(c => (m, (string?)c!["image"] ?? "")));
            }

            if (m.Kind == "ShopInstance")
            {
                images.Add((m, (string?)m.Json["spec"]?["image"] ?? ""));
            }
        }

        Assert.NotEmpty(images);
        var problems = images.Where(i => !DigestImage().IsMatch(i.Item2)).Select(i => $"{i.Item1}: image '{i.Item2}' is not name@sha256:<64 hex>").ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_strict_model_check_finds_an_unknown_or_misplaced_field()
    {
        var deployment = YamlJson.LoadAll("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: x }
            spec:
              replicas: 1
              selector: { matchLabels: { a: b } }
              template:
                metadata: { labels: { a: b } }
                spec:
                  containers:
                    - name: c
                      image: i
                      livenesProbe: { httpGet: { path: /healthz, port: 8080 } }
            """).Single()!.AsObject();
        var problems = StrictModel.Problems(new Manifest("test", deployment));
        Assert.Contains(problems, p => p.Contains("livenesProbe", StringComparison.Ordinal));
    }

    [Fact]
    public void The_pod_security_check_finds_what_restricted_forbids()
    {
        var spec = YamlJson.LoadAll("""
            hostNetwork: true
            volumes: [{ name: h, hostPath: { path: / } }]
            containers:
              - name: c
                image: i
                securityContext: { privileged: true, runAsUser: 0, capabilities: { add: [NET_ADMIN] } }
            """).Single()!.AsObject();
        var problems = PodSecurity.Violations(spec);
        foreach (var expected in new[] { "hostNetwork", "hostPath", "privileged", "allowPrivilegeEscalation", "runAsNonRoot", "runAsUser is 0", "seccompProfile", "drop must contain ALL", "NET_ADMIN" })
        {
            Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_schema_check_finds_unknown_fields_bad_patterns_and_missing_required()
    {
        var schema = YamlJson.LoadAll("""
            type: object
            properties:
              spec:
                type: object
                required: [image]
                properties:
                  image: { type: string, pattern: "@sha256:[a-f0-9]{64}$" }
                  replicas: { type: integer, minimum: 0 }
            """).Single()!.AsObject();
        var value = JsonNode.Parse("""{"spec":{"image":"shop:latest","replicas":-1,"replica":2}}""");
        var problems = SchemaCheck.Problems(value, schema);
        Assert.Contains(problems, p => p.Contains("unknown field replica", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("does not match", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("below", StringComparison.Ordinal));
        Assert.Contains(SchemaCheck.Problems(JsonNode.Parse("""{"spec":{}}"""), schema), p => p.Contains("required field image", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Require(JsonObject root, params string[] paths)
    {
        foreach (var path in paths)
        {
            JsonNode? node = root;
            foreach (var part in PathPart().Matches(path).Select(m => m.Value))
            {
                node = Step(node, part);
            }

            if (node is null)
            {
                yield return $"{path} is missing";
            }
        }
    }

    private static JsonNode? Step(JsonNode? node, string part)
    {
        if (!part.StartsWith('['))
        {
            return node is JsonObject map ? map[part] : null;
        }

        var index = int.Parse(part[1..^1], System.Globalization.CultureInfo.InvariantCulture);
        return node is JsonArray list && index < list.Count ? list[index] : null;
    }

    [GeneratedRegex(@"[^.\[\]]+|\[\d+\]")]
    private static partial Regex PathPart();

    [GeneratedRegex(@"^[a-z0-9.\-]+(:[0-9]+)?(/[a-z0-9._\-]+)+@sha256:[a-f0-9]{64}$")]
    private static partial Regex DigestImage();
}
