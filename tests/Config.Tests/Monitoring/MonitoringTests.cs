using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Config.Tests.Manifests;
using Xunit;

namespace Config.Tests.Monitoring;

public sealed partial class MonitoringTests
{
    private static readonly string[] RequiredAlerts =
        ["ShopHigh5xxRate", "ShopHighLatencyP99", "ShopPodCrashLooping", "ShopOperatorReconcileErrors", "ShopRolloutFailed", "ShopNotReady"];

    // Series from kube-state-metrics itself (not from our code).
    private static readonly HashSet<string> KubeStateMetrics = new(StringComparer.Ordinal)
    {
        "kube_pod_container_status_waiting_reason", "kube_pod_labels",
    };

    private static JsonObject Rule() =>
        YamlJson.LoadAll(Repo.Read("config/monitoring/prometheusrule.yaml")).Single()!.AsObject();

    private static IEnumerable<JsonObject> Rules() =>
        Rule()["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => r!.AsObject());

    private static JsonObject Dashboard() =>
        JsonNode.Parse(Repo.Read("config/monitoring/dashboards/shop.json"))!.AsObject();

    private static IEnumerable<string> DashboardExpressions() =>
        Dashboard()["panels"]!.AsArray().SelectMany(p => p!["targets"]?.AsArray() ?? []).Select(t => (string)t!["expr"]!);

    [Fact]
    public void Every_required_alert_exists_with_a_runbook_that_walks_the_troubleshooting_flow()
    {
        var alerts = Rules().Where(r => r["alert"] is not null).ToDictionary(r => (string)r["alert"]!, StringComparer.Ordinal);
        foreach (var name in RequiredAlerts)
        {
            Assert.True(alerts.ContainsKey(name), "missing alert " + name);
            var annotations = alerts[name]["annotations"]!;
            var runbook = (string?)annotations["runbook"] ?? "";
            Assert.Contains("kubectl", runbook, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^\d", runbook); // numbered steps of the flow
            Assert.Contains("docs/operations.md#troubleshooting", (string?)annotations["runbook_url"], StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace((string?)annotations["summary"]));
            Assert.NotNull(alerts[name]["labels"]!["severity"]);
        }

        Assert.Equal("10m", (string?)alerts["ShopNotReady"]["for"]);
    }

    [Fact]
    public void Every_expression_is_balanced()
    {
        foreach (var expr in Rules().Select(r => (string)r["expr"]!).Concat(DashboardExpressions()))
        {
            foreach (var (open, close) in new[] { ('(', ')'), ('{', '}'), ('[', ']') })
            {
                var depth = 0;
                foreach (var c in expr.Where(c => c == open || c == close))
                {
                    depth += c == open ? 1 : -1;
                    Assert.True(depth >= 0, "unbalanced " + close + " in " + expr);
                }

                Assert.True(depth == 0, "unbalanced " + open + " in " + expr);
            }
        }
    }

    [Fact]
    public void Every_metric_the_alerts_and_dashboard_use_is_exported_by_our_code_or_kube_state_metrics()
    {
        var sources = Directory.EnumerateFiles(Repo.Path("shop"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Repo.Path("operator"), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        var ksmConfig = CustomResourceStateMetrics();
        var used = Rules().Select(r => (string)r["expr"]!).Concat(DashboardExpressions())
            .SelectMany(e => MetricName().Matches(e).Select(m => m.Value))
            .Select(n => HistogramSuffix().Replace(n, ""))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(used);
        var unknown = used.Where(n => !KubeStateMetrics.Contains(n) && !ksmConfig.Contains(n) && !sources.Any(s => s.Contains('"' + n + '"', StringComparison.Ordinal))).ToList();
        Assert.True(unknown.Count == 0, "no exporter for: " + string.Join(", ", unknown));
        foreach (var needed in new[] { "shop_http_request_duration_seconds", "shop_orders_placed_total", "shop_checkout_failures_total", "controller_runtime_reconcile_errors_total", "workqueue_depth" })
        {
            Assert.Contains(needed, used);
        }
    }

    [Fact]
    public void Every_operator_series_in_the_rules_and_the_dashboard_is_selected_by_our_job_namespace_and_controller()
    {
        var exprs = Rules().Select(r => (string)r["expr"]!).Concat(DashboardExpressions()).ToList();
        var selectors = exprs.SelectMany(e => OperatorSelector().Matches(e)).ToList();
        Assert.NotEmpty(selectors);
        foreach (var m in selectors)
        {
            var metric = m.Groups["metric"].Value;
            var labels = m.Groups["labels"].Value;
            Assert.True(m.Groups["labels"].Success, $"{metric} has no label selector: it would read every controller in the cluster");
            Assert.Contains("job=\"shop-operator-metrics\"", labels, StringComparison.Ordinal);
            Assert.Contains("namespace=\"shop-operator-system\"", labels, StringComparison.Ordinal);
            if (metric.StartsWith("controller_runtime_", StringComparison.Ordinal))
            {
                Assert.Contains("controller=\"shopinstance\"", labels, StringComparison.Ordinal);
            }
            else if (metric.StartsWith("workqueue_", StringComparison.Ordinal))
            {
                Assert.Contains("name=\"shopinstance\"", labels, StringComparison.Ordinal);
            }
            else if (metric.StartsWith("leader_election_", StringComparison.Ordinal))
            {
                Assert.Contains("name=\"shop-operator\"", labels, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Every_shop_series_in_the_rules_is_a_ShopInstance_s_and_grouped_by_namespace_and_instance()
    {
        foreach (var rule in Rules())
        {
            var expr = (string)rule["expr"]!;
            foreach (Match m in ShopHttpSelector().Matches(expr))
            {
                Assert.Contains("app_kubernetes_io_instance!=\"\"", m.Groups["labels"].Value, StringComparison.Ordinal);
            }

            if (ShopHttpSelector().IsMatch(expr))
            {
                Assert.Contains("namespace, app_kubernetes_io_instance", expr, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void The_shop_PodMonitor_scrapes_the_metrics_port_and_keeps_the_labels_the_alerts_group_by()
    {
        var monitor = YamlJson.LoadAll(Repo.Read("config/monitoring/podmonitor-shop.yaml")).Single()!;
        Assert.Equal("metrics", (string?)monitor["spec"]!["podMetricsEndpoints"]![0]!["port"]);
        var targetLabels = monitor["spec"]!["podTargetLabels"]!.AsArray().Select(l => (string?)l).ToList();
        Assert.Contains("app.kubernetes.io/instance", targetLabels);
        Assert.Contains("app.kubernetes.io/component", targetLabels);
        Assert.Equal("shop-operator", (string?)monitor["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/managed-by"]);
    }

    [Fact]
    public void The_dashboard_is_valid_Grafana_JSON_with_unique_panels_that_all_query_Prometheus()
    {
        var dashboard = Dashboard();
        Assert.False(string.IsNullOrEmpty((string?)dashboard["uid"]));
        var panels = dashboard["panels"]!.AsArray().Select(p => p!.AsObject()).ToList();
        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());
        var graphs = panels.Where(p => (string?)p["type"] != "row").ToList();
        Assert.True(graphs.Count >= 10);
        Assert.All(graphs, p =>
        {
            Assert.NotNull(p["gridPos"]);
            Assert.Equal("prometheus", (string?)p["datasource"]!["type"]);
            Assert.NotEmpty(p["targets"]!.AsArray());
        });
        Assert.Contains(DashboardExpressions(), e => e.Contains("controller_runtime_reconcile_total", StringComparison.Ordinal));
    }

    /// <summary>Metric names kube-state-metrics builds from config/monitoring's custom-resource-state config.</summary>
    private static HashSet<string> CustomResourceStateMetrics()
    {
        var configMap = YamlJson.LoadAll(Repo.Read("config/monitoring/kube-state-metrics-shopinstance.yaml")).First(d => (string?)d!["kind"] == "ConfigMap")!;
        var config = YamlJson.LoadAll((string)configMap["data"]!["shopinstance.yaml"]!).Single()!;
        return config["spec"]!["resources"]!.AsArray()
            .SelectMany(r => r!["metrics"]!.AsArray().Select(m => $"{(string?)r["metricNamePrefix"]}_{(string?)m!["name"]}"))
            .ToHashSet(StringComparer.Ordinal);
    }

    // A name followed by ':' is a recording rule's (level:metric:operations), not an exported series.
    [GeneratedRegex(@"\b(shop_[a-z_]+|controller_runtime_[a-z_]+|workqueue_[a-z_]+|leader_election_[a-z_]+|rest_client_[a-z_]+|kube_[a-z_]+)\b(?!:)")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\b(?<metric>(controller_runtime|workqueue|leader_election|rest_client)_[a-z_]+)\b(?!:)(\{(?<labels>[^}]*)\})?")]
    private static partial Regex OperatorSelector();

    [GeneratedRegex(@"\bshop_http_request_duration_seconds_(count|bucket)\{(?<labels>[^}]*)\}")]
    private static partial Regex ShopHttpSelector();

    [GeneratedRegex(@"_(bucket|count|sum)$")]
    private static partial Regex HistogramSuffix();
}
