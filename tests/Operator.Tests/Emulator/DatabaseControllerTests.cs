using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ShopOperator.Database;
using ShopOperator.Kube;
using ShopOperator.Reconcile;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>
/// The controller side of spec.database.provision (issue 5): DatabaseReady, retry while the rest of the shop
/// is reconciled, the database Secret written once with the password the role accepts, a new password when
/// that Secret is deleted, the finalizer only with deletionPolicy Delete, and its escape hatch. The SQL side
/// is ShopOperator.Database's, tested there against a real PostgreSQL; here a recording stand-in answers.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class DatabaseControllerTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private sealed class RecordingProvisioner : IDatabaseProvisioner
    {
        public volatile bool Reachable = true;

        public volatile string Reason = ProvisionReasons.ServerUnreachable;

        public ConcurrentQueue<string> Passwords { get; } = new();

        public ConcurrentQueue<string> Dropped { get; } = new();

        public int Calls;

        public Task<ProvisionResult> EnsureAsync(AdminEndpoint admin, DatabaseNames names, string password, CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            if (!Reachable)
            {
                return Task.FromResult(new ProvisionResult(false, Reason, $"cannot reach {admin.Host}:{admin.Port}"));
            }

            if (Passwords.LastOrDefault() != password)
            {
                Passwords.Enqueue(password);
            }

            return Task.FromResult(new ProvisionResult(true, ProvisionReasons.Provisioned, "role and database exist"));
        }

        public Task<ProvisionResult> DropAsync(AdminEndpoint admin, DatabaseNames names, CancellationToken ct)
        {
            Dropped.Enqueue(names.Database);
            return Task.FromResult(new ProvisionResult(true, ProvisionReasons.Dropped, "dropped"));
        }
    }

    private async Task<(TestKube Kube, OperatorInstance Operator, string Ns, RecordingProvisioner Db)> StartAsync(string prefix, string deletionPolicy, bool reachable = true)
    {
        var ns = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        var kube = new TestKube(new k8s.Kubernetes(fixture.Cluster.Config));
        await kube.CreateNamespaceAsync(ns);
        await kube.Api.CreateAsync(ResourceKind.Secret, ns, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "pg-admin", ["namespace"] = ns },
            ["data"] = new JsonObject { ["host"] = B64("db.internal"), ["username"] = B64("postgres"), ["password"] = B64("admin-password") },
        }, CancellationToken.None);
        var db = new RecordingProvisioner { Reachable = reachable };
        var op = await OperatorInstance.StartAsync(
            fixture.Cluster.Config,
            OperatorInstance.TestOptions() with { WatchNamespaces = [ns], RateLimiter = ShopOperator.Runtime.RateLimiterOptions.Default with { MaxDelay = TimeSpan.FromMilliseconds(200) } },
            new XunitOutput(output),
            services => services.AddSingleton<IDatabaseProvisioner>(db));
        var shop = TestKube.Shop(ns, "demo");
        shop["spec"]!["database"] = new JsonObject
        {
            ["provision"] = new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" }, ["deletionPolicy"] = deletionPolicy },
            ["egress"] = new JsonObject { ["cidr"] = "10.0.0.0/16" },
        };
        await kube.CreateAsync(shop);
        return (kube, op, ns, db);
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static string FromB64(JsonNode? n) => Encoding.UTF8.GetString(Convert.FromBase64String(n!.GetValue<string>()));

    [Fact]
    public async Task An_unreachable_server_is_retried_while_the_rest_of_the_shop_is_reconciled()
    {
        var (kube, op, ns, db) = await StartAsync("db-retry", "Retain", reachable: false);
        await using var _ = op;

        var shop = await kube.WaitForConditionAsync(ns, "demo", "DatabaseReady", "False", reason: "ServerUnreachable");

        // Ready means serving: never True while the database is not ready.
        shop = await kube.WaitForConditionAsync(ns, "demo", "Ready", "False", reason: "DatabaseNotReady");
        Assert.Equal("False", TestKube.ConditionStatus(shop, "DatabaseReady"));
        Assert.Null(await kube.TryGetAsync(ResourceKind.Deployment, ns, "demo-api"));
        Assert.NotNull(await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Deployment, ns, "demo-web"), what: "web deployment created meanwhile"));
        Assert.Null(await kube.TryGetAsync(ResourceKind.Secret, ns, "demo-db"));
        Assert.DoesNotContain("admin-password", shop["status"]!.ToJsonString(), StringComparison.Ordinal);

        db.Reachable = true;
        await kube.WaitForConditionAsync(ns, "demo", "DatabaseReady", "True", reason: "Provisioned");
        var secret = await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Secret, ns, "demo-db"), what: "database secret");
        Assert.Equal(db.Passwords.Last(), FromB64(secret["data"]!["password"]));
        Assert.Contains(db.Passwords.Last(), FromB64(secret["data"]!["connectionString"]), StringComparison.Ordinal);
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        Assert.Empty(Finalizers(await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo")));
    }

    [Fact]
    public async Task A_deleted_database_secret_gets_a_new_password_set_on_the_role()
    {
        var (kube, op, ns, db) = await StartAsync("db-rotate", "Retain");
        await using var _ = op;
        var first = FromB64((await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Secret, ns, "demo-db"), what: "database secret"))["data"]!["password"]);

        await kube.DeleteAsync(ResourceKind.Secret, ns, "demo-db");

        var second = await Poll.UntilAsync(
            async () => await kube.TryGetAsync(ResourceKind.Secret, ns, "demo-db") is { } s && FromB64(s["data"]!["password"]) != first ? s : null,
            what: "secret recreated with a new password");
        Assert.Equal(FromB64(second["data"]!["password"]), db.Passwords.Last());
        Assert.Equal(43, db.Passwords.Last().Length); // PasswordGenerator: 32 random bytes, unpadded base64url
    }

    [Fact]
    public async Task Delete_policy_adds_a_finalizer_that_drops_the_database_before_the_shop_goes()
    {
        var (kube, op, ns, db) = await StartAsync("db-delete", "Delete");
        await using var _ = op;
        await Poll.UntilAsync(
            async () => Finalizers(await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo")).Contains(ShopReconciler.DatabaseFinalizer) ? new object() : null,
            what: "finalizer added");
        await kube.WaitForConditionAsync(ns, "demo", "DatabaseReady", "True");

        await kube.DeleteAsync(ResourceKind.ShopInstance, ns, "demo");

        await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.ShopInstance, ns, "demo") is null ? new object() : null, what: "shop gone");
        Assert.Equal([DatabaseNames.For(ns, "demo").Database], db.Dropped.ToArray());
    }

    [Fact]
    public async Task The_skip_annotation_lets_a_shop_go_without_touching_the_database()
    {
        var (kube, op, ns, db) = await StartAsync("db-skip", "Delete");
        await using var _ = op;
        await Poll.UntilAsync(
            async () => Finalizers(await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo")).Contains(ShopReconciler.DatabaseFinalizer) ? new object() : null,
            what: "finalizer added");
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s =>
        {
            s["metadata"]!["annotations"] ??= new JsonObject();
            s["metadata"]!["annotations"]![ShopReconciler.SkipCleanupAnnotation] = "true";
        });

        await kube.DeleteAsync(ResourceKind.ShopInstance, ns, "demo");

        await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.ShopInstance, ns, "demo") is null ? new object() : null, what: "shop gone");
        Assert.Empty(db.Dropped);
    }

    [Fact]
    public async Task The_finalizer_is_kept_while_the_spec_is_invalid_and_deletion_still_drops_the_database()
    {
        var (kube, op, ns, db) = await StartAsync("db-invalid", "Delete");
        await using var _ = op;
        await Poll.UntilAsync(
            async () => Finalizers(await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo")).Contains(ShopReconciler.DatabaseFinalizer) ? new object() : null,
            what: "finalizer added");

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s =>
            s["spec"]!["host"] = "10.1.2.3"); // the CRD accepts it; the operator refuses it (an Ingress may not have an IP host)
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "False", reason: "InvalidSpec");
        Assert.Contains(ShopReconciler.DatabaseFinalizer, Finalizers(await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo")));

        await kube.DeleteAsync(ResourceKind.ShopInstance, ns, "demo");
        await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.ShopInstance, ns, "demo") is null ? new object() : null, what: "shop gone");
        Assert.Equal([DatabaseNames.For(ns, "demo").Database], db.Dropped.ToArray());
    }

    [Fact]
    public async Task A_wrong_admin_password_is_terminal_until_the_admin_Secret_changes()
    {
        var (kube, op, ns, db) = await StartAsync("db-auth", "Retain", reachable: false);
        db.Reason = ProvisionReasons.AuthenticationFailed;
        await using var _ = op;
        await kube.WaitForConditionAsync(ns, "demo", "DatabaseReady", "False", reason: ProvisionReasons.AuthenticationFailed);
        await Poll.UntilAsync(() => op.Metrics.TerminalReconcileErrors.WithLabels("shopinstance").Value >= 1, what: "a terminal error counted");

        // Not retried with backoff: the call count comes to rest while nothing changes (a backoff loop never would;
        // the emulator's pods settling may bring a pass or two of their own first)...
        var calls = await QuietCallsAsync(db);
        var resync = op.Metrics.ReconcileTotal.WithLabels("shopinstance", "error").Value;
        op.Controller.EnqueueAll();
        await Poll.UntilAsync(() => op.Metrics.ReconcileTotal.WithLabels("shopinstance", "error").Value > resync, what: "one more pass");
        // One more call for the pass we asked for; at most one more if an owned child's status (the emulator's pods
        // settling) brought a pass of its own. A backoff retry loop would show many.
        Assert.InRange(Volatile.Read(ref db.Calls), calls + 1, calls + 2);

        // ...and a fixed admin Secret (watched, mapped to the shop) brings the next pass at once.
        db.Reachable = true;
        await kube.UpdateAsync(ResourceKind.Secret, ns, "pg-admin", s => s["data"]!["password"] = B64("the-right-password"));
        await kube.WaitForConditionAsync(ns, "demo", "DatabaseReady", "True", reason: "Provisioned");
    }

    /// <summary>The provisioner's call count once it has not moved for 1.5 s.</summary>
    private static async Task<int> QuietCallsAsync(RecordingProvisioner db)
    {
        var last = Volatile.Read(ref db.Calls);
        var since = System.Diagnostics.Stopwatch.StartNew();
        await Poll.UntilAsync(
            () =>
            {
                var now = Volatile.Read(ref db.Calls);
                if (now != last)
                {
                    last = now;
                    since.Restart();
                }

                return since.Elapsed > TimeSpan.FromSeconds(1.5);
            },
            TimeSpan.FromSeconds(20),
            "no database call for 1.5 s");
        return last;
    }

    private static List<string> Finalizers(JsonObject? shop) =>
        shop?["metadata"]?["finalizers"] is JsonArray a ? [.. a.Select(f => f!.GetValue<string>())] : [];
}
