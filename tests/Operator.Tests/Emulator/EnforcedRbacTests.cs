using System.Text;
using System.Text.Json.Nodes;
using k8s;
using KubeEmulator;
using Microsoft.Extensions.DependencyInjection;
using ShopOperator.Database;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>
/// The operator as it runs in a cluster: with its own ServiceAccount's token, against an emulator that enforces RBAC
/// ("Using RBAC Authorization"; plugin/pkg/auth/authorizer/rbac; admission OwnerReferencesPermissionEnforcement), with
/// the operator's part of config/rbac applied exactly as shipped. A permission the code needs and config/rbac lacks
/// is a 403 here, and a granted permission no request used is listed. <see cref="RbacTests"/> checks the same rules
/// against recorded requests without enforcement; this class proves them on an enforcing server.
/// </summary>
public sealed class EnforcedRbacTests(ITestOutputHelper output)
{
    private const string RbacGroup = "rbac.authorization.k8s.io";

    /// <summary>What the operator's Deployment runs with (config/manager serviceAccountName; config/rbac subjects).</summary>
    private const string OperatorFiles = "service_account.yaml role.yaml role_binding.yaml leader_election_role.yaml leader_election_role_binding.yaml";

    private static readonly ResourceKind Lease = new("coordination.k8s.io", "v1", "leases", "Lease");

    private static readonly ResourceKind Crd = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition");

    private static readonly Dictionary<string, ResourceKind> Kinds = new(StringComparer.Ordinal)
    {
        ["ServiceAccount"] = ResourceKind.ServiceAccount,
        ["ClusterRole"] = new(RbacGroup, "v1", "clusterroles", "ClusterRole"),
        ["ClusterRoleBinding"] = new(RbacGroup, "v1", "clusterrolebindings", "ClusterRoleBinding"),
        ["Role"] = new(RbacGroup, "v1", "roles", "Role"),
        ["RoleBinding"] = new(RbacGroup, "v1", "rolebindings", "RoleBinding"),
    };

    [Fact]
    public async Task Rbac_The_operator_with_its_own_ServiceAccount_and_config_rbac_gets_no_403_on_every_path()
    {
        await using var cluster = await StartClusterAsync(clusterRole => clusterRole);
        var (kube, install) = cluster;
        var ns = $"enforced-{Guid.NewGuid().ToString("N")[..6]}";
        await kube.CreateNamespaceAsync(ns, withConnectionSecret: false);
        // The Gateway API installed before the operator starts (its discovery at start decides whether it uses HTTPRoutes).
        await kube.Api.CreateAsync(Crd, null, JsonYaml.FromYaml(await File.ReadAllTextAsync(GatewayApiTests.HttpRouteCrdPath)).Single().AsObject(), CancellationToken.None);
        var op = await StartOperatorAsync(cluster.Harness, install);
        await using (op)
        {
            // A shop whose connection Secret is missing, then arrives: Ready.
            await kube.CreateAsync(TestKube.Shop(ns, "demo"));
            await kube.WaitForConditionAsync(ns, "demo", "DatabaseReady", "False", reason: "SecretMissing");
            await kube.CreateConnectionSecretAsync(ns);
            await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");

            // A child edited (a Deployment's image, a generated Secret's label), a child deleted: all restored. Scaled to one replica: its PDBs are pruned.
            await kube.UpdateAsync(ResourceKind.Deployment, ns, "demo-web", d => d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = TestKube.DigestB);
            await Poll.UntilAsync(async () => TestKube.ContainerImage(await kube.TryGetAsync(ResourceKind.Deployment, ns, "demo-web")) == TestKube.DigestA ? new object() : null, what: "edited Deployment restored");
            await kube.UpdateAsync(ResourceKind.Secret, ns, "demo-web-keys", k => k["metadata"]!["labels"]!["app.kubernetes.io/part-of"] = "edited");
            await Poll.UntilAsync(async () => (await kube.TryGetAsync(ResourceKind.Secret, ns, "demo-web-keys"))?["metadata"]?["labels"]?["app.kubernetes.io/part-of"]?.GetValue<string>() == "shop" ? new object() : null, what: "generated Secret's label restored (a metadata-only apply)");
            await kube.DeleteAsync(ResourceKind.Service, ns, "demo-api");
            await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Service, ns, "demo-api"), what: "deleted Service restored");
            await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => { s["spec"]!["web"]!["replicas"] = 1; s["spec"]!["api"]!["replicas"] = 1; });
            await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.PodDisruptionBudget, ns, "demo-web") is null ? new object() : null, what: "PDB pruned");

            // Ingress -> Gateway API -> Ingress: the HTTPRoute is created and pruned, the Ingress pruned and created again.
            await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["gateway"] = new JsonObject
            {
                ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "shared-gateway", ["namespace"] = "gateway-system" }),
            });
            await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.Ingress, ns, "demo") is null ? await kube.TryGetAsync(ResourceKind.HttpRoute, ns, "demo") : null, what: "HTTPRoute instead of the Ingress");
            await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!.AsObject().Remove("gateway"));
            await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.HttpRoute, ns, "demo") is null ? await kube.TryGetAsync(ResourceKind.Ingress, ns, "demo") : null, what: "the Ingress instead of the HTTPRoute");
            await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");

            // Children of the shop the model no longer wants (as an earlier version of the operator may leave them,
            // under other names): pruned, one of every kind the model always wants.
            foreach (var (kind, name) in new[] { (ResourceKind.Deployment, "demo-web"), (ResourceKind.Service, "demo-web"), (ResourceKind.ServiceAccount, "demo-web"), (ResourceKind.Secret, "demo-web-keys"), (ResourceKind.NetworkPolicy, "demo-web") })
            {
                await kube.Api.CreateAsync(kind, ns, LeftBehind((await kube.GetAsync(kind, ns, name))!), CancellationToken.None);
                await Poll.UntilAsync(async () => await kube.TryGetAsync(kind, ns, "demo-old") is null ? new object() : null, what: $"{kind.Kind} demo-old pruned");
            }

            // A failing rollout: the operator lists the shop's pods for their waiting reasons.
            var failing = ZeroReplicaScenarios.NewFailingDigest();
            await cluster.Harness.SetFailingImagesAsync(failing);
            await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => { s["spec"]!["image"] = failing; s["spec"]!["rollout"]!["progressDeadlineSeconds"] = 1; });
            await kube.WaitForConditionAsync(ns, "demo", "Stalled", "True", TimeSpan.FromSeconds(20), reason: "RolloutFailed");

            // An invalid spec (an IP address as host: the CRD accepts it, an Ingress may not have it): Stalled.
            var invalid = TestKube.Shop(ns, "bad");
            invalid["spec"]!["host"] = "10.1.2.3";
            await kube.CreateAsync(invalid);
            await kube.WaitForConditionAsync(ns, "bad", "Stalled", "True", reason: "InvalidSpec");

            // A foreign object in a child's place: ChildRejected.
            await kube.Api.CreateAsync(ResourceKind.ServiceAccount, ns, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = new JsonObject { ["name"] = "squat-web", ["namespace"] = ns } }, CancellationToken.None);
            await kube.CreateAsync(TestKube.Shop(ns, "squat"));
            await kube.WaitForConditionAsync(ns, "squat", "Ready", "False", reason: "ChildRejected");

            // Provisioning with deletionPolicy Delete: admin Secret read, finalizer added; the shop deleted, the finalizer removed.
            await CreateAdminSecretAsync(kube, ns);
            await kube.CreateAsync(ProvisionedShop(ns, "prov"));
            await kube.WaitForConditionAsync(ns, "prov", "Ready", "True");
            Assert.Contains(ShopOperator.Reconcile.ShopReconciler.DatabaseFinalizer, (await kube.GetAsync(ResourceKind.ShopInstance, ns, "prov"))!["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
            await kube.DeleteAsync(ResourceKind.ShopInstance, ns, "prov");
            await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.ShopInstance, ns, "prov") is null ? new object() : null, what: "provisioned shop gone (finalizer removed)");

            // Leader election: the Lease in the operator's namespace names this operator.
            var lease = await kube.GetAsync(Lease, install.Namespace, "shop-operator");
            Assert.Equal(op.Options.LeaderElection.Identity, lease!["spec"]!["holderIdentity"]!.GetValue<string>());

            var operatorForbidden = Forbidden(op);
            await op.StopAsync(); // releases the Lease (update)
            Assert.Equal(0, operatorForbidden);
        }

        var forbidden = cluster.Harness.Host.RequestCounts.Snapshot().Where(p => p.Key.Code == 403).ToList();
        Assert.True(forbidden.Count == 0, "403s: " + string.Join(", ", forbidden.Select(p => $"{p.Key.Verb} {p.Key.Resource} x{p.Value}")));

        var unused = cluster.Harness.Host.AccessLog.UnusedPermissions(install.User);
        output.WriteLine("granted to " + install.User.Name + " but never used: " + string.Join(", ", unused));
        // Every grant of the ClusterRole and the leader-election Role was used by a path above (an apply that creates
        // is authorized as create too, so the children's creates count).
        Assert.Empty(unused);
    }

    [Fact]
    public async Task Rbac_Without_update_on_shopinstances_status_the_shop_never_reports_Ready_and_the_operator_counts_403()
    {
        // Negative control: the same install without the one verb the status writer uses proves enforcement is live.
        await using var cluster = await StartClusterAsync(clusterRole =>
        {
            foreach (var rule in clusterRole["rules"]!.AsArray().OfType<JsonObject>().Where(r => r["resources"]!.AsArray().Any(x => x!.GetValue<string>() == "shopinstances/status")).ToList())
            {
                var verbs = rule["verbs"]!.AsArray();
                verbs.Remove(verbs.First(v => v!.GetValue<string>() == "update"));
                if (verbs.Count == 0)
                {
                    clusterRole["rules"]!.AsArray().Remove(rule); // a rule must name a verb
                }
            }

            return clusterRole;
        });
        var (kube, install) = cluster;
        var ns = $"denied-{Guid.NewGuid().ToString("N")[..6]}";
        await kube.CreateNamespaceAsync(ns);
        await using var op = await StartOperatorAsync(cluster.Harness, install);

        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await Poll.UntilAsync(() => Task.FromResult(cluster.Harness.Host.RequestCounts.Get("update", "shopinstances/status", 403) > 0 && Forbidden(op) > 0 ? new object() : null), what: "a 403 on the status update, counted by the operator");
        await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Deployment, ns, "demo-web"), what: "children written (only status is denied)");

        var shop = await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo");
        Assert.Null(TestKube.Condition(shop, "Ready"));
        Assert.Equal(0, cluster.Harness.Host.RequestCounts.Get("update", "shopinstances/status", 200));
    }

    /// <summary>rest_client_requests_total{code="403"} of this operator, summed over method and host.</summary>
    private static double Forbidden(OperatorInstance op)
    {
        var counter = op.Metrics.RestRequests;
        return counter.GetAllLabelValues().Where(l => l[0] == "403").Sum(l => counter.WithLabels(l).Value);
    }

    private async Task<OperatorInstance> StartOperatorAsync(EmulatorHarness harness, Install install)
    {
        var config = new KubernetesClientConfiguration { Host = harness.Config.Host, AccessToken = install.User.Name };
        var options = OperatorInstance.TestOptions("op-enforced", install.Namespace);
        return await OperatorInstance.StartAsync(config, options, new XunitOutput(output), services =>
            services.AddSingleton<IDatabaseProvisioner>(new RbacTests.AcceptingProvisioner()));
    }

    /// <summary>
    /// An emulator enforcing RBAC, the CRD installed, and the operator's RBAC from config/rbac applied with an admin
    /// token (a token that is not a ServiceAccount's is cluster-admin), the ClusterRole passed through <paramref name="alterClusterRole"/>.
    /// </summary>
    private static async Task<Cluster> StartClusterAsync(Func<JsonObject, JsonObject> alterClusterRole)
    {
        var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { Rbac = true, DeploymentControllerDelay = EmulatorHarness.DeploymentControllerDelay });
        var admin = new KubernetesClientConfiguration { Host = harness.Config.Host, AccessToken = "admin" };
        var kube = new TestKube(new Kubernetes(admin));

        // config/default/kustomization.yaml sets the namespace of everything it installs when it names one.
        var kustomizeNamespace = JsonYaml.FromYaml(Repo.Read("config/default/kustomization.yaml"))[0]["namespace"]?.GetValue<string>();
        var documents = OperatorFiles.Split(' ')
            .SelectMany(file => JsonYaml.FromYaml(Repo.Read("config/rbac/" + file)))
            .Select(d => d.AsObject())
            .Select(d => d["kind"]!.GetValue<string>() == "ClusterRole" ? alterClusterRole(d) : d)
            .ToList();
        if (kustomizeNamespace is not null)
        {
            foreach (var d in documents)
            {
                if (d["metadata"]!["namespace"] is not null)
                {
                    d["metadata"]!["namespace"] = kustomizeNamespace;
                }

                foreach (var subject in (d["subjects"] as JsonArray ?? []).OfType<JsonObject>().Where(s => s["kind"]!.GetValue<string>() == "ServiceAccount"))
                {
                    subject["namespace"] = kustomizeNamespace;
                }
            }
        }

        var account = documents.Single(d => d["kind"]!.GetValue<string>() == "ServiceAccount");
        var install = new Install(account["metadata"]!["namespace"]!.GetValue<string>(), account["metadata"]!["name"]!.GetValue<string>());
        await kube.CreateNamespaceAsync(install.Namespace, withConnectionSecret: false);
        foreach (var d in documents)
        {
            await kube.Api.CreateAsync(Kinds[d["kind"]!.GetValue<string>()], d["metadata"]!["namespace"]?.GetValue<string>(), d, CancellationToken.None);
        }

        return new Cluster(harness, kube, install);
    }

    /// <summary>A copy of a child under the name demo-old: same labels and controller ownerReference, as a child the model stopped wanting.</summary>
    private static JsonObject LeftBehind(JsonObject child)
    {
        var copy = (JsonObject)child.DeepClone();
        var meta = copy["metadata"]!.AsObject();
        foreach (var field in new[] { "resourceVersion", "uid", "creationTimestamp", "managedFields", "generation", "annotations" })
        {
            meta.Remove(field);
        }

        meta["name"] = "demo-old";
        copy.Remove("status");
        if (copy["spec"] is JsonObject spec)
        {
            spec.Remove("clusterIP"); // a Service gets its own address
            spec.Remove("clusterIPs");
        }

        return copy;
    }

    private static JsonObject ProvisionedShop(string ns, string name)
    {
        var shop = TestKube.Shop(ns, name, replicas: 0);
        shop["spec"]!["database"] = new JsonObject
        {
            ["provision"] = new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" }, ["deletionPolicy"] = "Delete" },
        };
        return shop;
    }

    private static Task<JsonObject> CreateAdminSecretAsync(TestKube kube, string ns) =>
        kube.Api.CreateAsync(ResourceKind.Secret, ns, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "pg-admin", ["namespace"] = ns },
            ["data"] = new JsonObject { ["host"] = B64("db.internal"), ["username"] = B64("postgres"), ["password"] = B64("admin") },
        }, CancellationToken.None);

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    /// <summary>Where config/rbac installs the operator's ServiceAccount, and the user its token authenticates as.</summary>
    private sealed record Install(string Namespace, string ServiceAccount)
    {
        public UserInfo User => UserInfo.FromAuthorization($"Bearer system:serviceaccount:{Namespace}:{ServiceAccount}");
    }

    private sealed record Cluster(EmulatorHarness Harness, TestKube Kube, Install Install) : IAsyncDisposable
    {
        public void Deconstruct(out TestKube kube, out Install install) => (kube, install) = (Kube, Install);

        public ValueTask DisposeAsync() => Harness.DisposeAsync();
    }
}
