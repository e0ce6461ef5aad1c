using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using ShopOperator.Database;
using ShopOperator.Kube;
using Testing.Postgres;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>
/// spec.database.provision end to end (issue 5): the operator as deployed (its real Npgsql provisioner), the
/// emulator, and a real PostgreSQL. What the shop gets in its Secret must be accepted by the server; a rotated
/// password must replace the old one on the role; deletionPolicy decides whether PostgreSQL is touched.
/// </summary>
[Collection(EmulatorCollection.Name)]
// The emulator collection cannot also be the postgres collection, so this class gets its own server.
public sealed class DatabaseEndToEndTests(EmulatorFixture fixture, PostgresFixture postgres, ITestOutputHelper output)
    : IClassFixture<PostgresFixture>
{
    private readonly RecordingOutput _log = new(new XunitOutput(output));

    private async Task<(TestKube Kube, OperatorInstance Operator, string Ns)> StartAsync(string prefix, string deletionPolicy, string? adminPassword = null)
    {
        var ns = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        var kube = new TestKube(new k8s.Kubernetes(fixture.Cluster.Config));
        await kube.CreateNamespaceAsync(ns);
        var server = postgres.Server;
        await kube.Api.CreateAsync(ResourceKind.Secret, ns, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "pg-admin", ["namespace"] = ns },
            ["data"] = new JsonObject
            {
                ["host"] = B64(server.Host),
                ["port"] = B64(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ["username"] = B64(PostgresServer.AdminUser),
                ["password"] = B64(adminPassword ?? server.AdminPassword),
                ["sslmode"] = B64("disable"),
            },
        }, CancellationToken.None);
        var op = await OperatorInstance.StartAsync(
            fixture.Cluster.Config,
            OperatorInstance.TestOptions() with { WatchNamespaces = [ns], RateLimiter = ShopOperator.Runtime.RateLimiterOptions.Default with { MaxDelay = TimeSpan.FromMilliseconds(500) } },
            _log);
        var shop = TestKube.Shop(ns, "demo");
        shop["spec"]!["database"] = new JsonObject
        {
            ["provision"] = new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" }, ["deletionPolicy"] = deletionPolicy },
            ["egress"] = new JsonObject { ["cidr"] = "127.0.0.1/32" },
        };
        await kube.CreateAsync(shop);
        return (kube, op, ns);
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static string FromB64(JsonNode? n) => Encoding.UTF8.GetString(Convert.FromBase64String(n!.GetValue<string>()));

    private static async Task<string> ConnectionStringAsync(TestKube kube, string ns, string? notThis = null) =>
        await Poll.UntilAsync(
            async () => await kube.TryGetAsync(ResourceKind.Secret, ns, "demo-db") is { } s
                && s["data"]?["connectionString"] is { } c
                && FromB64(c) is { Length: > 0 } value
                && value != notThis
                    ? value
                    : null,
            what: "the shop's connection string in Secret demo-db");

    /// <summary>What the api tier does first: connect as the shop role and create its tables.</summary>
    private static async Task<string?> ConnectErrorAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS probe (id int); SELECT count(*) FROM probe", connection);
            await command.ExecuteScalarAsync();
            return null;
        }
        catch (PostgresException e)
        {
            return e.SqlState;
        }
    }

    private async Task<bool> DatabaseExistsAsync(string ns)
    {
        await using var admin = new NpgsqlConnection(postgres.Server.AdminConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", admin)
        {
            Parameters = { new() { Value = DatabaseNames.For(ns, "demo").Database } },
        };
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    [Fact]
    public async Task The_shop_gets_a_working_database_and_a_rotated_password_replaces_the_old_one()
    {
        var (kube, op, ns) = await StartAsync("pg-e2e", "Retain");
        await using var _ = op;

        await kube.WaitForConditionAsync(ns, "demo", "DatabaseReady", "True", TimeSpan.FromSeconds(60), reason: ProvisionReasons.Provisioned);
        var first = await ConnectionStringAsync(kube, ns);
        Assert.Null(await ConnectErrorAsync(first));
        var api = await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api");
        Assert.Contains("demo-db", api!.ToJsonString(), StringComparison.Ordinal);
        // The database host, for NO_PROXY when the shop goes through a forward proxy (issue 16).
        var secret = await kube.GetAsync(ResourceKind.Secret, ns, "demo-db");
        Assert.Equal(postgres.Server.Host, FromB64(secret!["data"]!["host"]));

        await kube.DeleteAsync(ResourceKind.Secret, ns, "demo-db");
        var second = await ConnectionStringAsync(kube, ns, notThis: first);

        Assert.Null(await ConnectErrorAsync(second));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, await ConnectErrorAsync(first));
        var shop = await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo");
        var password = new NpgsqlConnectionStringBuilder(second).Password!;
        Assert.DoesNotContain(password, shop!["status"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_drops_the_database_before_the_shop_goes_and_Retain_keeps_it()
    {
        var (kube, op, deleteNs) = await StartAsync("pg-del", "Delete");
        await using var _ = op;
        await kube.WaitForConditionAsync(deleteNs, "demo", "DatabaseReady", "True", TimeSpan.FromSeconds(60));
        Assert.True(await DatabaseExistsAsync(deleteNs));

        await kube.DeleteAsync(ResourceKind.ShopInstance, deleteNs, "demo");
        await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.ShopInstance, deleteNs, "demo") is null ? new object() : null, what: "shop gone after the finalizer ran");

        Assert.False(await DatabaseExistsAsync(deleteNs));

        var (retainKube, retainOp, retainNs) = await StartAsync("pg-ret", "Retain");
        await using var __ = retainOp;
        await retainKube.WaitForConditionAsync(retainNs, "demo", "DatabaseReady", "True", TimeSpan.FromSeconds(60));
        await retainKube.DeleteAsync(ResourceKind.ShopInstance, retainNs, "demo");
        await Poll.UntilAsync(async () => await retainKube.TryGetAsync(ResourceKind.ShopInstance, retainNs, "demo") is null ? new object() : null, what: "shop gone");

        Assert.True(await DatabaseExistsAsync(retainNs));
    }

    [Fact]
    public async Task A_wrong_admin_password_is_reported_and_nothing_is_written_for_the_shop()
    {
        var (kube, op, ns) = await StartAsync("pg-auth", "Retain", adminPassword: "not-the-admin-password");
        await using var _ = op;

        var shop = await kube.WaitForConditionAsync(ns, "demo", "DatabaseReady", "False", TimeSpan.FromSeconds(60), reason: ProvisionReasons.AuthenticationFailed);

        Assert.Null(await kube.TryGetAsync(ResourceKind.Secret, ns, "demo-db"));
        Assert.DoesNotContain("not-the-admin-password", shop["status"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.NotNull(await kube.TryGetAsync(ResourceKind.Deployment, ns, "demo-web"));

        // A database failure is an error, not a requeue (issue 13): the condition says why, it is counted as a
        // (terminal) reconcile error, logged at Warning or above with its reason, and a Warning Event names it.
        Assert.Equal("False", TestKube.ConditionStatus(shop, "Ready"));
        Assert.False(string.IsNullOrWhiteSpace(TestKube.Condition(shop, "DatabaseReady")!["message"]?.GetValue<string>()));
        await Poll.UntilAsync(() => op.Metrics.TerminalReconcileErrors.WithLabels("shopinstance").Value >= 1, what: "the failure counted as a terminal reconcile error");
        var events = await Poll.UntilAsync(
            async () => (await kube.Api.ListAsync(ResourceKind.Event, ns, null, CancellationToken.None)).Items
                .Where(e => (string?)e["type"] == "Warning" && (string?)e["reason"] == ProvisionReasons.AuthenticationFailed).ToList() is { Count: > 0 } found ? found : null,
            TimeSpan.FromSeconds(20),
            "a Warning Event with reason " + ProvisionReasons.AuthenticationFailed);
        Assert.Equal("demo", (string?)events[0]["involvedObject"]?["name"]);
        Assert.DoesNotContain("not-the-admin-password", events[0].ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(_log.Lines, l => (l.StartsWith("Warning ", StringComparison.Ordinal) || l.StartsWith("Error ", StringComparison.Ordinal))
            && l.Contains(ProvisionReasons.AuthenticationFailed, StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Lines, l => l.Contains("not-the-admin-password", StringComparison.Ordinal));
    }
}
