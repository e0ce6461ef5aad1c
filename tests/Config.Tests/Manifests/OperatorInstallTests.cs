using Xunit;

namespace Config.Tests.Manifests;

[Collection(KustomizeFixture.Collection)]
public sealed class OperatorInstallTests(KustomizeFixture fixture)
{
    private const string Namespace = "shop-operator-system";

    // docs/architecture.md, "Operator RBAC": exactly these, nothing more (tests/Operator.Tests RbacTests checks
    // them against every request the operator sends).
    private static readonly string[] Children = ["get", "list", "watch", "create", "patch", "delete"];

    private static readonly HashSet<string> ExpectedClusterRole = new(
        Triples("shop.example.com", ["shopinstances"], ["list", "watch", "update"])
            .Concat(Triples("shop.example.com", ["shopinstances/status"], ["update"]))
            .Concat(Triples("shop.example.com", ["shopinstances/finalizers"], ["update"]))
            .Concat(Triples("apps", ["deployments"], Children))
            .Concat(Triples("", ["services", "serviceaccounts", "secrets"], Children))
            .Concat(Triples("networking.k8s.io", ["ingresses", "networkpolicies"], Children))
            .Concat(Triples("gateway.networking.k8s.io", ["httproutes"], Children))
            .Concat(Triples("policy", ["poddisruptionbudgets"], Children))
            .Concat(Triples("", ["pods"], ["list"]))
            .Concat(Triples("", ["events"], ["create"])),
        StringComparer.Ordinal);

    [SkippableFact]
    public void The_ClusterRole_grants_exactly_the_contract()
    {
        var role = Named("config/rbac", "ClusterRole", "shop-operator-manager");
        var granted = RuleTriples(role).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(granted.Except(ExpectedClusterRole).Order(StringComparer.Ordinal));
        Assert.Empty(ExpectedClusterRole.Except(granted).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public void Leader_election_is_a_namespaced_Role_on_leases_only()
    {
        var role = Single("config/rbac", "Role");
        Assert.Equal(Namespace, role.Namespace);
        Assert.Equal(Triples("coordination.k8s.io", ["leases"], ["get", "create", "update"]).Order(StringComparer.Ordinal), RuleTriples(role).Order(StringComparer.Ordinal));
        var binding = Single("config/rbac", "RoleBinding");
        Assert.Equal(Namespace, binding.Namespace);
        Assert.Equal(role.Name, (string?)binding.Json["roleRef"]!["name"]);
    }

    [SkippableFact]
    public void No_rule_anywhere_uses_a_wildcard_and_every_binding_names_the_operator_account()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var roles = fixture.All.Where(m => m.Kind is "Role" or "ClusterRole").ToList();
        Assert.NotEmpty(roles);
        Assert.DoesNotContain(roles.SelectMany(RuleTriples), t => t.Contains('*', StringComparison.Ordinal));
        foreach (var binding in fixture.Build("config/rbac").Objects.Where(m => m.Kind.EndsWith("Binding", StringComparison.Ordinal)))
        {
            var subject = binding.Json["subjects"]!.AsArray().Single()!;
            Assert.Equal("ServiceAccount", (string?)subject["kind"]);
            Assert.Equal("shop-operator", (string?)subject["name"]);
            Assert.Equal(Namespace, (string?)subject["namespace"]);
        }
    }

    [SkippableFact]
    public void The_operator_Deployment_follows_the_contract()
    {
        var deployment = Single("config/manager", "Deployment");
        Assert.Equal(Namespace, deployment.Namespace);
        Assert.Equal(1, (int?)deployment.Json["spec"]!["replicas"]);
        var pod = deployment.Json["spec"]!["template"]!["spec"]!.AsObject();
        Assert.Equal("shop-operator", (string?)pod["serviceAccountName"]);
        var container = pod["containers"]!.AsArray().Single()!.AsObject();

        var ports = container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!, StringComparer.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["health"] = 8080, ["metrics"] = 8443 }, ports);
        foreach (var probe in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
        {
            Assert.Equal(probe.Item2, (string?)container[probe.Item1]!["httpGet"]!["path"]);
            Assert.Equal("health", (string?)container[probe.Item1]!["httpGet"]!["port"]);
        }

        var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e!, StringComparer.Ordinal);
        Assert.Equal("metadata.name", (string?)env["POD_NAME"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("metadata.namespace", (string?)env["LEADER_ELECTION_NAMESPACE"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("8080", (string?)env["OPERATOR_HTTP_PORT"]["value"]);
        Assert.Equal("true", (string?)env["OPERATOR_METRICS_SECURE"]["value"]);
        Assert.Equal("8443", (string?)env["OPERATOR_METRICS_PORT"]["value"]);

        foreach (var kind in new[] { "requests", "limits" })
        {
            Assert.NotNull(container["resources"]![kind]!["cpu"]);
            Assert.NotNull(container["resources"]![kind]!["memory"]);
        }

        Assert.True(container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
    }

    [SkippableFact]
    public void The_metrics_Service_selects_the_operator_pods_by_the_named_port()
    {
        var service = Single("config/manager", "Service");
        var deployment = Single("config/manager", "Deployment");
        var podLabels = deployment.Json["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        foreach (var (key, value) in service.Json["spec"]!["selector"]!.AsObject())
        {
            Assert.Equal((string?)value, (string?)podLabels[key]);
        }

        var port = service.Json["spec"]!["ports"]!.AsArray().Single()!;
        Assert.Equal("metrics", (string?)port["name"]);
        Assert.Equal("metrics", (string?)port["targetPort"]);
    }

    [SkippableFact]
    public void The_operator_namespace_enforces_restricted_pod_security()
    {
        var ns = Single("config/manager", "Namespace");
        Assert.Equal(Namespace, ns.Name);
        Assert.Equal("restricted", (string?)ns.Json["metadata"]!["labels"]!["pod-security.kubernetes.io/enforce"]);
    }

    [SkippableFact]
    public void The_default_install_has_the_CRD_RBAC_and_operator()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        Skip.IfNot(Repo.CrdGenerated, $"{Repo.CrdFile} is not generated yet (shop-operator crd)");
        var kinds = fixture.Build("config/default").Objects.Select(m => m.Kind).ToHashSet(StringComparer.Ordinal);
        foreach (var kind in new[] { "CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service" })
        {
            Assert.Contains(kind, kinds);
        }
    }

    [SkippableFact]
    public void Metrics_are_authorized_by_the_API_server_and_readable_with_the_metrics_reader_role()
    {
        var auth = RuleTriples(Named("config/rbac", "ClusterRole", "shop-operator-metrics-auth")).Order(StringComparer.Ordinal);
        Assert.Equal(["authentication.k8s.io|tokenreviews|create", "authorization.k8s.io|subjectaccessreviews|create"], auth);
        var binding = Named("config/rbac", "ClusterRoleBinding", "shop-operator-metrics-auth");
        Assert.Equal("shop-operator-metrics-auth", (string?)binding.Json["roleRef"]!["name"]);

        var reader = Named("config/rbac", "ClusterRole", "shop-operator-metrics-reader");
        var rule = reader.Json["rules"]!.AsArray().Single()!;
        Assert.Equal(["/metrics"], rule["nonResourceURLs"]!.AsArray().Select(u => (string?)u));
        Assert.Equal(["get"], rule["verbs"]!.AsArray().Select(v => (string?)v));
    }

    [SkippableFact]
    public void ShopInstance_editor_and_viewer_aggregate_into_the_built_in_roles()
    {
        var editor = Named("config/rbac", "ClusterRole", "shopinstance-editor");
        var labels = editor.Json["metadata"]!["labels"]!;
        Assert.Equal("true", (string?)labels["rbac.authorization.k8s.io/aggregate-to-edit"]);
        Assert.Equal("true", (string?)labels["rbac.authorization.k8s.io/aggregate-to-admin"]);
        var edits = RuleTriples(editor).ToHashSet(StringComparer.Ordinal);
        foreach (var verb in new[] { "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection" })
        {
            Assert.Contains("shop.example.com|shopinstances|" + verb, edits);
        }

        Assert.DoesNotContain("shop.example.com|shopinstances/status|update", edits);

        var viewer = Named("config/rbac", "ClusterRole", "shopinstance-viewer");
        Assert.Equal("true", (string?)viewer.Json["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-view"]);
        Assert.Equal(
            Triples("shop.example.com", ["shopinstances", "shopinstances/status"], ["get", "list", "watch"]).Order(StringComparer.Ordinal),
            RuleTriples(viewer).Order(StringComparer.Ordinal));
    }

    private Manifest Named(string directory, string kind, string name)
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        return fixture.Build(directory).Objects.Single(m => m.Kind == kind && m.Name == name);
    }

    private Manifest Single(string directory, string kind)
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        return fixture.Build(directory).Objects.Single(m => m.Kind == kind);
    }

    private static IEnumerable<string> RuleTriples(Manifest role) =>
        from rule in role.Json["rules"]?.AsArray() ?? []
        from g in rule!["apiGroups"]?.AsArray() ?? []
        from r in rule["resources"]?.AsArray() ?? []
        from v in rule["verbs"]?.AsArray() ?? []
        select $"{(string?)g}|{(string?)r}|{(string?)v}";

    private static IEnumerable<string> Triples(string group, string[] resources, string[] verbs) =>
        from r in resources from v in verbs select $"{group}|{r}|{v}";
}
