using Xunit;

namespace Config.Tests.Manifests;

[Collection(KustomizeFixture.Collection)]
public sealed class OperatorInstallTests(KustomizeFixture fixture)
{
    private const string Namespace = "shop-operator-system";

    // docs/architecture.md, "Operator RBAC": exactly these, nothing more.
    private static readonly string[] Crud = ["get", "list", "watch", "create", "update", "patch", "delete"];

    private static readonly HashSet<string> ExpectedClusterRole = new(
        Triples("shop.example.com", ["shopinstances"], ["get", "list", "watch", "update", "patch"])
            .Concat(Triples("shop.example.com", ["shopinstances/status"], ["get", "update", "patch"]))
            .Concat(Triples("shop.example.com", ["shopinstances/finalizers"], ["update"]))
            .Concat(Triples("apps", ["deployments"], Crud))
            .Concat(Triples("", ["services", "serviceaccounts", "secrets"], Crud))
            .Concat(Triples("networking.k8s.io", ["ingresses", "networkpolicies"], Crud))
            .Concat(Triples("gateway.networking.k8s.io", ["httproutes"], Crud))
            .Concat(Triples("policy", ["poddisruptionbudgets"], Crud))
            .Concat(Triples("", ["events"], ["create", "patch"]))
            .Concat(Triples("events.k8s.io", ["events"], ["create", "patch"])),
        StringComparer.Ordinal);

    [SkippableFact]
    public void The_ClusterRole_grants_exactly_the_contract()
    {
        var role = Single("config/rbac", "ClusterRole");
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

        var port = container["ports"]!.AsArray().Single()!;
        Assert.Equal("metrics", (string?)port["name"]);
        Assert.Equal(8080, (int?)port["containerPort"]);
        Assert.Equal("/healthz", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/readyz", (string?)container["readinessProbe"]!["httpGet"]!["path"]);

        var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e!, StringComparer.Ordinal);
        Assert.Equal("metadata.name", (string?)env["POD_NAME"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("metadata.namespace", (string?)env["LEADER_ELECTION_NAMESPACE"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("8080", (string?)env["OPERATOR_HTTP_PORT"]["value"]);

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
