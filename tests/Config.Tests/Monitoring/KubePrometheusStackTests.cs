using System.Text.Json.Nodes;
using Config.Tests.Manifests;
using Xunit;

namespace Config.Tests.Monitoring;

/// <summary>
/// config/kube-prometheus-stack: what a default kube-prometheus-stack needs to select our monitors and rules
/// (the release label), to scrape the secure metrics endpoint, and to export the kube-state-metrics series the
/// rules read (custom-resource-state config and the kube_pod_labels allowlist in values.yaml).
/// </summary>
[Collection(KustomizeFixture.Collection)]
public sealed class KubePrometheusStackTests(KustomizeFixture fixture)
{
    private const string Overlay = "config/kube-prometheus-stack";

    private static JsonNode Values() => YamlJson.LoadAll(Repo.Read(Overlay + "/values.yaml")).Single()!;

    [SkippableFact]
    public void Every_monitor_and_rule_carries_the_release_label_kube_prometheus_stack_selects()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var build = fixture.Build(Overlay);
        Assert.True(build.Result.ExitCode == 0, build.Result.Output);
        var selected = build.Objects.Where(m => m.Kind is "ServiceMonitor" or "PodMonitor" or "PrometheusRule").ToList();
        Assert.Equal(3, selected.Count);
        Assert.All(selected, m => Assert.Equal("kube-prometheus-stack", (string?)m.Json["metadata"]!["labels"]!["release"]));

        // The base stays release-neutral; the component names the release's service accounts.
        Assert.All(fixture.Build("config/monitoring").Objects.Where(m => m.Kind.EndsWith("Monitor", StringComparison.Ordinal)), m => Assert.Null(m.Json["metadata"]!["labels"]!["release"]));
        var subjects = build.Objects.Where(m => m.Kind == "ClusterRoleBinding").ToDictionary(m => m.Name, m => (string?)m.Json["subjects"]![0]!["name"], StringComparer.Ordinal);
        Assert.Equal("kube-prometheus-stack-prometheus", subjects["shop-operator-metrics-reader"]);
        Assert.Equal("kube-prometheus-stack-kube-state-metrics", subjects["kube-state-metrics-shopinstances"]);
    }

    [Fact]
    public void The_operator_ServiceMonitor_scrapes_https_with_the_service_account_token()
    {
        var monitor = YamlJson.LoadAll(Repo.Read("config/monitoring/servicemonitor-operator.yaml")).Single()!;
        var endpoint = monitor["spec"]!["endpoints"]![0]!;
        Assert.Equal("https", (string?)endpoint["scheme"]);
        Assert.Equal("metrics", (string?)endpoint["port"]);
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/token", (string?)endpoint["bearerTokenFile"]);
        Assert.NotNull(endpoint["tlsConfig"]);

        var binding = YamlJson.LoadAll(Repo.Read("config/monitoring/metrics-reader-binding.yaml")).Single()!;
        Assert.Equal("shop-operator-metrics-reader", (string?)binding["roleRef"]!["name"]);
        Assert.Equal("ClusterRole", (string?)binding["roleRef"]!["kind"]);
    }

    [Fact]
    public void The_Helm_values_wire_the_ShopInstance_custom_resource_state_config_and_the_pod_label_allowlist()
    {
        var ksm = Values()["kube-state-metrics"]!;
        Assert.True((bool)ksm["customResourceState"]!["enabled"]!);
        var configMap = YamlJson.LoadAll(Repo.Read("config/monitoring/kube-state-metrics-shopinstance.yaml")).First(d => (string?)d!["kind"] == "ConfigMap")!;
        var shipped = YamlJson.LoadAll((string)configMap["data"]!["shopinstance.yaml"]!).Single()!;
        Assert.True(JsonNode.DeepEquals(shipped, ksm["customResourceState"]!["config"]), "values.yaml's customResourceState.config differs from the ConfigMap's shopinstance.yaml");

        var allowlist = string.Join(',', ksm["metricLabelsAllowlist"]!.AsArray().Select(a => (string?)a));
        Assert.Contains("pods=[", allowlist, StringComparison.Ordinal);
        Assert.Contains("app.kubernetes.io/part-of", allowlist, StringComparison.Ordinal);
        Assert.Contains("app.kubernetes.io/instance", allowlist, StringComparison.Ordinal);

        var rule = ksm["rbac"]!["extraRules"]!.AsArray().Single()!;
        Assert.Equal(["shopinstances"], rule["resources"]!.AsArray().Select(r => (string?)r));
        Assert.Equal(["list", "watch"], rule["verbs"]!.AsArray().Select(r => (string?)r));
    }

    [Fact]
    public void The_rules_read_the_ShopInstance_series_with_the_labels_the_custom_resource_state_config_gives()
    {
        var configMap = YamlJson.LoadAll(Repo.Read("config/monitoring/kube-state-metrics-shopinstance.yaml")).First(d => (string?)d!["kind"] == "ConfigMap")!;
        var resource = YamlJson.LoadAll((string)configMap["data"]!["shopinstance.yaml"]!).Single()!["spec"]!["resources"]![0]!;
        Assert.Equal("ShopInstance", (string?)resource["groupVersionKind"]!["kind"]);
        var common = resource["labelsFromPath"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(["name", "namespace"], common.Order(StringComparer.Ordinal));
        var metrics = resource["metrics"]!.AsArray().ToDictionary(m => (string)m!["name"]!, m => m!, StringComparer.Ordinal);
        Assert.Equal(["shopinstance_condition", "shopinstance_generation", "shopinstance_observed_generation"], metrics.Keys.Order(StringComparer.Ordinal));
        var condition = metrics["shopinstance_condition"]["each"]!["gauge"]!;
        Assert.Equal(["status", "conditions"], condition["path"]!.AsArray().Select(p => (string?)p));
        Assert.Equal(["reason", "type"], condition["labelsFromPath"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["metadata", "generation"], metrics["shopinstance_generation"]["each"]!["gauge"]!["path"]!.AsArray().Select(p => (string?)p));
        Assert.Equal(["status", "observedGeneration"], metrics["shopinstance_observed_generation"]["each"]!["gauge"]!["path"]!.AsArray().Select(p => (string?)p));

        var rules = Repo.Read("config/monitoring/prometheusrule.yaml");
        Assert.Contains("max by (namespace, name) (shop_operator_shopinstance_condition{type=\"Ready\"})", rules, StringComparison.Ordinal);
        Assert.Contains("shop_operator_shopinstance_condition{type=\"Stalled\", reason=\"RolloutFailed\"}", rules, StringComparison.Ordinal);
    }
}
