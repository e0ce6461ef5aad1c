using System.Text.Json.Nodes;
using ShopOperator.Diagnose;

namespace Operator.Tests.Diagnose;

/// <summary>Each step of the troubleshooting flow passes on a healthy shop and fails on the break it is there to find.</summary>
public sealed class DiagnosisTests
{
    private static StepResult Step(Diagnosis d, string name) => d.Steps.Single(s => s.Name == name);

    [Fact]
    public void A_healthy_shop_passes_every_step_and_exits_0()
    {
        var diagnosis = DiagnosisSteps.Run(Snapshots.Healthy());

        Assert.Equal(StepNames.InFlowOrder, diagnosis.Steps.Select(s => s.Name));
        Assert.All(diagnosis.Steps, s => Assert.True(s.Status is StepStatus.Pass or StepStatus.Skip, $"{s.Name}: {s.Status} {s.Message}"));
        Assert.Null(diagnosis.FailedStep);
        Assert.Equal(0, diagnosis.ExitCode);
        Assert.Equal(StepStatus.Skip, Step(diagnosis, StepNames.AppLogs).Status);
    }

    [Fact]
    public void Dns_that_does_not_resolve_is_the_first_failing_step()
    {
        var diagnosis = DiagnosisSteps.Run(Snapshots.Healthy() with { Dns = new DnsAnswer("shop.example.com", [], "No such host is known") });

        Assert.Equal(StepNames.Dns, diagnosis.FailedStep);
        Assert.Contains("No such host", Step(diagnosis, StepNames.Dns).Message, StringComparison.Ordinal);
        Assert.Equal(1, diagnosis.ExitCode);
    }

    [Fact]
    public void Dns_pointing_elsewhere_than_the_load_balancer_warns()
    {
        var step = Step(DiagnosisSteps.Run(Snapshots.Healthy() with { Dns = new DnsAnswer("shop.example.com", ["198.51.100.7"], null) }), StepNames.Dns);

        Assert.Equal(StepStatus.Warn, step.Status);
        Assert.Contains(Snapshots.LoadBalancerIp, step.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ingress_without_an_address_fails_LoadBalancer_and_names_the_class()
    {
        var snapshot = Snapshots.Healthy();
        snapshot.Ingresses[0].Remove("status");

        var diagnosis = DiagnosisSteps.Run(snapshot with { Dns = new DnsAnswer("shop.example.com", ["198.51.100.7"], null) });

        Assert.Equal(StepNames.LoadBalancer, diagnosis.FailedStep);
        Assert.Contains("ingressClassName: nginx", Step(diagnosis, StepNames.LoadBalancer).Evidence);
    }

    [Fact]
    public void Probes_that_all_fail_fail_LoadBalancer_and_none_are_sent_without_the_flag()
    {
        var healthy = Step(DiagnosisSteps.Run(Snapshots.Healthy()), StepNames.LoadBalancer);
        Assert.Contains("no connection tried", healthy.Message, StringComparison.Ordinal);

        var probed = Snapshots.Healthy() with { Probes = [new(Snapshots.LoadBalancerIp, 443, false, "timed out"), new(Snapshots.LoadBalancerIp, 80, false, "refused")] };
        Assert.Equal(StepNames.LoadBalancer, DiagnosisSteps.Run(probed).FailedStep);
    }

    [Fact]
    public void An_ingress_edited_to_send_api_to_the_wrong_service_fails_IngressRoutes()
    {
        var snapshot = Snapshots.Healthy();
        var api = snapshot.Ingresses[0]["spec"]!["rules"]![0]!["http"]!["paths"]!.AsArray().Single(p => (string?)p!["path"] == "/api")!;
        api["backend"]!["service"]!["name"] = "demo-web";

        var diagnosis = DiagnosisSteps.Run(snapshot);

        Assert.Equal(StepNames.IngressRoutes, diagnosis.FailedStep);
        Assert.Contains("path /api goes to service demo-web port http, want demo-api port http", Step(diagnosis, StepNames.IngressRoutes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gateway_shop_passes_with_its_route_accepted_and_the_gateway_addressed()
    {
        var diagnosis = DiagnosisSteps.Run(Snapshots.Healthy(gateway: true));

        Assert.Null(diagnosis.FailedStep);
        Assert.Contains("HTTPRoute demo routes shop.example.com", Step(diagnosis, StepNames.IngressRoutes).Message, StringComparison.Ordinal);
        Assert.Contains($"Gateway {Snapshots.GatewayRef} has address {Snapshots.LoadBalancerIp}", Step(diagnosis, StepNames.LoadBalancer).Message, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Pass, Step(diagnosis, StepNames.Dns).Status);
    }

    [Fact]
    public void A_route_the_gateway_did_not_accept_fails_IngressRoutes_with_the_gateways_reason()
    {
        var snapshot = Snapshots.Healthy(gateway: true);
        var accepted = snapshot.HttpRoutes[0]["status"]!["parents"]![0]!["conditions"]![0]!;
        accepted["status"] = "False";
        accepted["reason"] = "NotAllowedByListeners";
        accepted["message"] = "no listener allows routes from namespace shop-dev";

        var diagnosis = DiagnosisSteps.Run(snapshot);

        Assert.Equal(StepNames.IngressRoutes, diagnosis.FailedStep);
        Assert.Contains($"Gateway {Snapshots.GatewayRef}: Accepted=False NotAllowedByListeners: no listener allows routes from namespace shop-dev", Step(diagnosis, StepNames.IngressRoutes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_edited_to_send_api_to_the_web_service_fails_IngressRoutes()
    {
        var snapshot = Snapshots.Healthy(gateway: true);
        var api = snapshot.HttpRoutes[0]["spec"]!["rules"]!.AsArray().Single(r => (string?)r!["matches"]![0]!["path"]!["value"] == "/api")!;
        api["backendRefs"]![0]!["name"] = "demo-web";

        var diagnosis = DiagnosisSteps.Run(snapshot);

        Assert.Equal(StepNames.IngressRoutes, diagnosis.FailedStep);
        Assert.Contains("path /api goes to demo-web port 80, want demo-api port 80", Step(diagnosis, StepNames.IngressRoutes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_route_or_an_unaddressed_gateway_is_named()
    {
        var noRoute = Snapshots.Healthy(gateway: true) with { HttpRoutes = [] };
        Assert.Contains("HTTPRoute demo not found in shop-dev", Step(DiagnosisSteps.Run(noRoute), StepNames.IngressRoutes).Message, StringComparison.Ordinal);

        var unaddressed = Snapshots.Healthy(gateway: true);
        unaddressed.Gateways[Snapshots.GatewayRef]["status"]!["addresses"] = new JsonArray();
        var diagnosis = DiagnosisSteps.Run(unaddressed);
        Assert.Equal(StepNames.LoadBalancer, diagnosis.FailedStep);
        Assert.Contains($"Gateway {Snapshots.GatewayRef} has no address", Step(diagnosis, StepNames.LoadBalancer).Message, StringComparison.Ordinal);

        var unreadable = Snapshots.Healthy(gateway: true) with { Gateways = new Dictionary<string, JsonObject>(), UnreadableGateways = new HashSet<string>([Snapshots.GatewayRef]) };
        Assert.Equal(StepStatus.Warn, Step(DiagnosisSteps.Run(unreadable), StepNames.LoadBalancer).Status);
    }

    [Fact]
    public void A_missing_tls_secret_or_ingress_class_fails_IngressRoutes()
    {
        var snapshot = Snapshots.Healthy() with { IngressClasses = new HashSet<string>(["traefik"], StringComparer.Ordinal) };

        var step = Step(DiagnosisSteps.Run(snapshot), StepNames.IngressRoutes);

        Assert.Equal(StepStatus.Fail, step.Status);
        Assert.Contains("ingress class nginx does not exist (classes: traefik)", step.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_whose_selector_was_edited_fails_ServiceEndpoints()
    {
        var snapshot = Snapshots.Healthy();
        snapshot.Services.Single(s => (string?)s["metadata"]!["name"] == "demo-api")["spec"]!["selector"]!["app.kubernetes.io/component"] = "backend";

        var diagnosis = DiagnosisSteps.Run(snapshot);

        Assert.Equal(StepNames.ServiceEndpoints, diagnosis.FailedStep);
        Assert.Contains("Service demo-api selector", Step(diagnosis, StepNames.ServiceEndpoints).Message, StringComparison.Ordinal);
        Assert.Contains("app.kubernetes.io/component=backend", Step(diagnosis, StepNames.ServiceEndpoints).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_secret_key_names_the_secret_and_key_in_PodsReady_and_Dependencies()
    {
        const string Message = "couldn't find key connectionString in Secret shop-dev/shop-db";
        var snapshot = Snapshots.Healthy() with
        {
            Secrets = new Dictionary<string, SecretKeys>(StringComparer.Ordinal) { ["shop-db"] = new("shop-db", new HashSet<string>(["url"], StringComparer.Ordinal)) },
        };
        snapshot.WithBrokenPod("api", Snapshots.Waiting("CreateContainerConfigError", Message));

        var diagnosis = DiagnosisSteps.Run(snapshot);

        Assert.Equal(StepNames.PodsReady, diagnosis.FailedStep);
        var pods = Step(diagnosis, StepNames.PodsReady);
        Assert.Contains("CreateContainerConfigError: " + Message, pods.Message, StringComparison.Ordinal);
        Assert.Contains("create the missing Secret or key", pods.Suggestion, StringComparison.Ordinal);
        Assert.Contains("database Secret shop-db has no key connectionString (keys: url)", Step(diagnosis, StepNames.Dependencies).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_the_user_may_not_read_is_said_so_and_not_reported_missing()
    {
        var snapshot = Snapshots.Healthy() with
        {
            Secrets = new Dictionary<string, SecretKeys>(StringComparer.Ordinal),
            UnreadableSecrets = new HashSet<string>(["shop-db"], StringComparer.Ordinal),
        };

        var step = Step(DiagnosisSteps.Run(snapshot), StepNames.Dependencies);

        Assert.Equal(StepStatus.Pass, step.Status);
        Assert.Contains(step.Evidence, e => e.Contains("shop-db could not be read", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failing_image_is_named_with_its_digest()
    {
        var snapshot = Snapshots.Healthy().WithBrokenPod("web", Snapshots.Waiting("ImagePullBackOff", "Back-off pulling image"));

        var step = Step(DiagnosisSteps.Run(snapshot), StepNames.PodsReady);

        Assert.Equal(StepStatus.Fail, step.Status);
        Assert.Contains("ImagePullBackOff for " + Snapshots.Image, step.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_crashing_container_gives_restarts_last_exit_and_its_redacted_log_lines()
    {
        var terminated = new JsonObject { ["terminated"] = new JsonObject { ["reason"] = "Error", ["exitCode"] = 1 } };
        var snapshot = Snapshots.Healthy().WithBrokenPod("api", Snapshots.Waiting("CrashLoopBackOff", "back-off 40s restarting failed container"), terminated, restarts: 5) with
        {
            Logs = [new("demo-api-5d8f7c-0", "shop", true, [
                "{\"LogLevel\":\"Information\",\"Message\":\"starting\"}",
                Redaction.Redact("{\"LogLevel\":\"Critical\",\"Message\":\"cannot connect: Host=db;Password=s3cret;Username=shop\"}"),
            ])],
        };

        var diagnosis = DiagnosisSteps.Run(snapshot);

        Assert.Contains("CrashLoopBackOff, 5 restarts, last exit Error (code 1)", Step(diagnosis, StepNames.PodsReady).Message, StringComparison.Ordinal);
        var logs = Step(diagnosis, StepNames.AppLogs);
        Assert.Equal(StepStatus.Warn, logs.Status);
        var line = Assert.Single(logs.Evidence);
        Assert.Contains("Password=[redacted]", line, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_text_crash_line_counts_as_an_error_line()
    {
        // Found by hand on the dev cluster: "fatal: unhandled exception, exiting with code 1" was not shown.
        var terminated = new JsonObject { ["terminated"] = new JsonObject { ["reason"] = "Error", ["exitCode"] = 1 } };
        var snapshot = Snapshots.Healthy().WithBrokenPod("api", Snapshots.Waiting("CrashLoopBackOff", "back-off"), terminated, restarts: 2) with
        {
            Logs = [new("demo-api-5d8f7c-0", "shop", true, ["info: starting", "fatal: unhandled exception, exiting with code 1"])],
        };

        var logs = Step(DiagnosisSteps.Run(snapshot), StepNames.AppLogs);

        Assert.Equal(StepStatus.Warn, logs.Status);
        Assert.Contains("fatal: unhandled exception", Assert.Single(logs.Evidence), StringComparison.Ordinal);
    }

    [Fact]
    public void A_network_policy_that_blocks_api_to_database_fails_Dependencies()
    {
        var snapshot = Snapshots.Healthy();
        var egress = snapshot.NetworkPolicies.Single(p => (string?)p["metadata"]!["name"] == "demo-api")["spec"]!["egress"]!.AsArray();
        egress.RemoveAt(0); // the database rule comes first

        var diagnosis = DiagnosisSteps.Run(snapshot);

        Assert.Equal(StepNames.Dependencies, diagnosis.FailedStep);
        var step = Step(diagnosis, StepNames.Dependencies);
        Assert.Contains("NetworkPolicy demo-api lacks the egress rule", step.Message, StringComparison.Ordinal);
        Assert.Contains("TCP/5432", step.Message, StringComparison.Ordinal);
        Assert.Contains("(api → database)", step.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oom_killed_pod_fails_Resources_with_its_memory_limit()
    {
        var oom = new JsonObject { ["terminated"] = new JsonObject { ["reason"] = "OOMKilled", ["exitCode"] = 137 } };
        var snapshot = Snapshots.Healthy();
        var status = snapshot.Pods.First(p => (string?)p["metadata"]!["labels"]!["app.kubernetes.io/component"] == "api")["status"]!["containerStatuses"]![0]!.AsObject();
        status["lastState"] = oom;
        status["restartCount"] = 3;

        var diagnosis = DiagnosisSteps.Run(snapshot);

        Assert.Equal(StepNames.Resources, diagnosis.FailedStep);
        Assert.Contains("was OOMKilled (memory limit 256Mi, 3 restarts)", Step(diagnosis, StepNames.Resources).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Events_of_another_shop_in_the_namespace_are_not_this_shops()
    {
        // Found by hand on the dev cluster: demo-gateway's ChildRejected Events showed in demo's RecentChanges.
        JsonObject Warning(string kind, string name, string reason, string message) => new()
        {
            ["type"] = "Warning",
            ["reason"] = reason,
            ["message"] = message,
            ["involvedObject"] = new JsonObject { ["kind"] = kind, ["name"] = name },
            ["lastTimestamp"] = "2026-11-29T11:50:00Z",
        };
        var others = Snapshots.Healthy() with
        {
            Events =
            [
                Warning("ShopInstance", "demo-gateway", "ChildRejected", "the API server refused HTTPRoute demo-gateway"),
                Warning("ReplicaSet", "demo-gateway-web-6c9d", "FailedCreate", "pods \"demo-gateway-web-x\" is forbidden: exceeded quota: compute"),
            ],
        };

        var diagnosis = DiagnosisSteps.Run(others);

        Assert.Null(diagnosis.FailedStep);
        Assert.Equal(StepStatus.Pass, Step(diagnosis, StepNames.RecentChanges).Status);

        var mine = Snapshots.Healthy() with { Events = [Warning("ShopInstance", "demo", "ChildRejected", "the API server refused Ingress demo")] };
        Assert.Equal(StepStatus.Warn, Step(DiagnosisSteps.Run(mine), StepNames.RecentChanges).Status);
    }

    [Fact]
    public void Quota_denials_in_events_fail_Resources()
    {
        var quota = new JsonObject
        {
            ["type"] = "Warning",
            ["reason"] = "FailedCreate",
            ["message"] = "pods \"demo-api-x\" is forbidden: exceeded quota: compute, requested: limits.memory=256Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi",
            ["involvedObject"] = new JsonObject { ["kind"] = "ReplicaSet", ["name"] = "demo-api-5d8f7c" },
            ["lastTimestamp"] = "2026-11-29T11:50:00Z",
        };

        var diagnosis = DiagnosisSteps.Run(Snapshots.Healthy() with { Events = [quota] });

        Assert.Equal(StepNames.Resources, diagnosis.FailedStep);
        Assert.Equal(StepStatus.Warn, Step(diagnosis, StepNames.RecentChanges).Status);
    }

    [Fact]
    public void Database_not_ready_and_an_unobserved_generation_are_reported()
    {
        var snapshot = Snapshots.Healthy();
        snapshot.Shop["status"]!["conditions"]![1]!["status"] = "False";
        snapshot.Shop["status"]!["conditions"]![1]!["reason"] = "AuthenticationFailed";
        snapshot.Shop["metadata"]!["generation"] = 3;

        var diagnosis = DiagnosisSteps.Run(snapshot);

        Assert.Contains("DatabaseReady=False AuthenticationFailed", Step(diagnosis, StepNames.Dependencies).Message, StringComparison.Ordinal);
        Assert.Contains("spec not yet observed", Step(diagnosis, StepNames.RecentChanges).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db;Password=hunter2;Username=shop", "Host=db;Password=[redacted];Username=shop")]
    [InlineData("postgresql://shop:hunter2@db:5432/shop", "postgresql://shop:[redacted]@db:5432/shop")]
    [InlineData("Authorization: Bearer eyJhbGciOi.abc.def", "Authorization: Bearer [redacted]")]
    [InlineData("card 4242 4242 4242 4242 declined", "card [redacted] declined")]
    [InlineData("order 12345 shipped", "order 12345 shipped")]
    public void Redaction_hides_secrets_and_keeps_the_rest(string line, string expected) =>
        Assert.Equal(expected, Redaction.Redact(line));
}
