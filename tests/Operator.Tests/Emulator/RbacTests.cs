using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using ShopOperator.Database;
using ShopOperator.Hosting;
using ShopOperator.Kube;
using ShopOperator.Runtime;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>
/// The install's RBAC (config/rbac) against what the operator really calls: one operator goes through every path
/// that sends a request (create, repair, prune, a foreign object, a missing and a late Secret, provisioning with a
/// finalizer, deletion, an invalid spec, a failed rollout, leader election), every request it sends is recorded as
/// (API group, resource, verb) the way the API server authorizes it, and each must be granted by a rule of the
/// ClusterRole or the leader-election Role. Granted verbs no request used are listed and must stay empty.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RbacTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private IClusterHarness Cluster => fixture.Cluster;

    [Fact]
    public async Task Every_request_the_operator_sends_is_granted_by_config_rbac_and_every_grant_is_used()
    {
        var ns = $"rbac-{Guid.NewGuid().ToString("N")[..6]}";
        var kube = new TestKube(new Kubernetes(Cluster.Config));
        await kube.CreateNamespaceAsync(ns, withConnectionSecret: false);
        var recorder = new AuthorizationRecorder();
        var options = OperatorInstance.TestOptions("op-rbac", ns) with { WatchNamespaces = [ns] };
        await using var op = await OperatorInstance.StartAsync(Cluster.Config, options, new XunitOutput(output), services =>
        {
            services.AddSingleton(sp => new Kubernetes(Cluster.Config, new RestClientMetricsHandler(sp.GetRequiredService<OperatorMetrics>()), recorder));
            services.AddSingleton<IDatabaseProvisioner>(new AcceptingProvisioner());
        });

        // A shop whose connection Secret arrives late, then is ready; scaled down (its PDBs pruned); a child deleted.
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await kube.WaitForConditionAsync(ns, "demo", "DatabaseReady", "False", reason: "SecretMissing");
        await kube.CreateConnectionSecretAsync(ns);
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => { s["spec"]!["web"]!["replicas"] = 1; s["spec"]!["api"]!["replicas"] = 1; });
        await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.PodDisruptionBudget, ns, "demo-web") is null ? new object() : null, what: "PDB pruned");
        await kube.DeleteAsync(ResourceKind.Service, ns, "demo-api");
        await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Service, ns, "demo-api"), what: "Service restored");

        // A failing rollout: the pods are read for their waiting reasons.
        var failing = ZeroReplicaScenarios.NewFailingDigest();
        await Cluster.SetFailingImagesAsync(failing);
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => { s["spec"]!["image"] = failing; s["spec"]!["rollout"]!["progressDeadlineSeconds"] = 1; });
        await kube.WaitForConditionAsync(ns, "demo", "Stalled", "True", TimeSpan.FromSeconds(20), reason: "RolloutFailed");

        // A foreign object in a child's place; an invalid spec.
        await kube.Api.CreateAsync(ResourceKind.ServiceAccount, ns, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = new JsonObject { ["name"] = "squat-web", ["namespace"] = ns } }, CancellationToken.None);
        await kube.CreateAsync(TestKube.Shop(ns, "squat"));
        await kube.WaitForConditionAsync(ns, "squat", "Ready", "False", reason: "ChildRejected");
        var invalid = TestKube.Shop(ns, "bad");
        invalid["spec"]!["host"] = "10.1.2.3"; // the CRD accepts it, the operator refuses it (an Ingress may not have an IP host)
        await kube.CreateAsync(invalid);
        await kube.WaitForConditionAsync(ns, "bad", "Ready", "False", reason: "InvalidSpec");

        // Provisioning with deletionPolicy Delete: admin Secret read, database Secret created, finalizer added and removed.
        await kube.Api.CreateAsync(ResourceKind.Secret, ns, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "pg-admin", ["namespace"] = ns },
            ["data"] = new JsonObject { ["host"] = B64("db.internal"), ["username"] = B64("postgres"), ["password"] = B64("admin") },
        }, CancellationToken.None);
        var provisioned = TestKube.Shop(ns, "prov", replicas: 0);
        provisioned["spec"]!["database"] = new JsonObject
        {
            ["provision"] = new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" }, ["deletionPolicy"] = "Delete" },
        };
        await kube.CreateAsync(provisioned);
        await kube.WaitForConditionAsync(ns, "prov", "Ready", "True");
        await kube.DeleteAsync(ResourceKind.ShopInstance, ns, "prov");
        await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.ShopInstance, ns, "prov") is null ? new object() : null, what: "provisioned shop gone");
        await op.StopAsync(); // releases the lease (update)

        var used = recorder.Used;
        var granted = Granted();
        output.WriteLine("used: " + string.Join(", ", used.Order(StringComparer.Ordinal)));
        var missing = used.Except(granted).Order(StringComparer.Ordinal).ToList();
        var unused = granted.Except(used).Order(StringComparer.Ordinal).ToList();
        output.WriteLine("granted but not used: " + string.Join(", ", unused));
        Assert.True(missing.Count == 0, "requests config/rbac does not grant: " + string.Join(", ", missing));
        // Grants no scenario here exercises but the code sends: prune deletes any child kind the model stops wanting
        // (only PDBs are pruned above); a generated Secret gets a metadata apply only after drift; blockOwnerDeletion needs finalizers update (an admission check, not a request).
        string[] documented =
        [
            "apps|deployments|delete", "|services|delete", "|serviceaccounts|delete", "|secrets|delete",
            "networking.k8s.io|ingresses|delete", "networking.k8s.io|networkpolicies|delete",
            "shop.example.com|shopinstances/finalizers|update", "|secrets|patch",
            // HTTPRoutes only where the Gateway API is installed (GatewayApiTests runs that emulator).
            "gateway.networking.k8s.io|httproutes|get", "gateway.networking.k8s.io|httproutes|list", "gateway.networking.k8s.io|httproutes|watch",
            "gateway.networking.k8s.io|httproutes|create", "gateway.networking.k8s.io|httproutes|patch", "gateway.networking.k8s.io|httproutes|delete",
        ];
        Assert.True(unused.Except(documented).Any() == false, "grants no request used: " + string.Join(", ", unused.Except(documented)));
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    /// <summary>group|resource|verb triples of every rule in config/rbac (copied next to the tests by the project file).</summary>
    private static HashSet<string> Granted()
    {
        var granted = new HashSet<string>(StringComparer.Ordinal);
        // The operator's own roles: the controller's ClusterRole and the leader-election Role. (metrics_auth_role is
        // used only with secure metrics, MetricsAuthTests; the reader, editor, viewer and diagnoser roles are for people.)
        foreach (var file in new[] { "role.yaml", "leader_election_role.yaml" }.Select(f => Path.Combine(AppContext.BaseDirectory, "rbac", f)))
        {
            foreach (var doc in JsonYaml.FromYaml(File.ReadAllText(file)))
            {
                if (doc["kind"]?.GetValue<string>() is not ("Role" or "ClusterRole") || doc["rules"] is not JsonArray rules)
                {
                    continue;
                }

                foreach (var rule in rules.OfType<JsonObject>())
                {
                    foreach (var g in rule["apiGroups"]!.AsArray())
                    {
                        foreach (var r in rule["resources"]!.AsArray())
                        {
                            foreach (var v in rule["verbs"]!.AsArray())
                            {
                                granted.Add($"{g!.GetValue<string>()}|{r!.GetValue<string>()}|{v!.GetValue<string>()}");
                            }
                        }
                    }
                }
            }
        }

        return granted;
    }

    /// <summary>Records each request as the API server's authorizer sees it: group|resource[/subresource]|verb.</summary>
    private sealed class AuthorizationRecorder : DelegatingHandler
    {
        private readonly ConcurrentDictionary<string, byte> _used = new(StringComparer.Ordinal);

        public IReadOnlySet<string> Used => _used.Keys.ToHashSet(StringComparer.Ordinal);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var described = Describe(request);
            if (described is null)
            {
                // Discovery (/api, /apis/<group>/<version>) needs no grant: system:discovery allows it to everyone.
                return await base.SendAsync(request, cancellationToken);
            }

            _used.TryAdd(described, 0);
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Patch && response.StatusCode == System.Net.HttpStatusCode.Created)
            {
                // An apply that creates the object is authorized as create too (api-concepts, "Patch and apply").
                _used.TryAdd(described[..described.LastIndexOf('|')] + "|create", 0);
            }

            return response;
        }

        private static string? Describe(HttpRequestMessage request)
        {
            var uri = request.RequestUri!;
            var parts = uri.AbsolutePath.Trim('/').Split('/');
            if (parts.Length < (parts[0] == "api" ? 3 : 4))
            {
                return null;
            }

            var (group, rest) = parts[0] == "api" ? ("", parts[2..]) : (parts[1], parts[3..]);
            if (rest.Length >= 2 && rest[0] == "namespaces")
            {
                rest = rest[2..];
            }

            var resource = rest[0] + (rest.Length > 2 ? "/" + rest[2] : "");
            var named = rest.Length > 1;
            var verb = request.Method.Method switch
            {
                "GET" when !named && uri.Query.Contains("watch=true", StringComparison.Ordinal) => "watch",
                "GET" when !named => "list",
                "GET" => "get",
                "POST" => "create",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => request.Method.Method.ToLowerInvariant(),
            };
            return $"{group}|{resource}|{verb}";
        }
    }

    /// <summary>Provisioning that always succeeds (shared with <see cref="EnforcedRbacTests"/>): the database itself is not what RBAC is about.</summary>
    internal sealed class AcceptingProvisioner : IDatabaseProvisioner
    {
        public Task<ProvisionResult> EnsureAsync(AdminEndpoint admin, DatabaseNames names, string password, CancellationToken ct) =>
            Task.FromResult(new ProvisionResult(true, ProvisionReasons.Provisioned, "role and database exist"));

        public Task<ProvisionResult> DropAsync(AdminEndpoint admin, DatabaseNames names, CancellationToken ct) =>
            Task.FromResult(new ProvisionResult(true, ProvisionReasons.Dropped, "dropped"));
    }
}
