using System.Text.Json.Nodes;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>
/// Issue 16: a connection Secret in the shape CloudNativePG writes (<c>&lt;cluster&gt;-app</c>: host, port, dbname,
/// username, password, uri, ...) referenced with format Fields. The api tier gets one secretKeyRef per field (the
/// kubelet rule: a missing key that is not optional keeps the container in CreateContainerConfigError, which the
/// emulator's pods follow), and DatabaseReady names each missing field until the Secret has it.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class DatabaseSecretShapeTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_CloudNativePG_app_Secret_missing_its_password_is_named_then_the_shop_becomes_Ready()
    {
        var ns = $"cnpg-{Guid.NewGuid().ToString("N")[..6]}";
        var kube = new TestKube(new k8s.Kubernetes(fixture.Cluster.Config));
        await kube.CreateNamespaceAsync(ns, withConnectionSecret: false);
        await using var op = await OperatorInstance.StartAsync(fixture.Cluster.Config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] }, new XunitOutput(output));

        // CNPG's keys, without password (as if the operator had not written it yet).
        var data = new JsonObject
        {
            ["host"] = B64("shop-pg-rw"),
            ["port"] = B64("5432"),
            ["dbname"] = B64("app"),
            ["username"] = B64("app"),
            ["uri"] = B64("postgresql://app@shop-pg-rw.cnpg:5432/app"),
            ["jdbc-uri"] = B64("jdbc:postgresql://shop-pg-rw.cnpg:5432/app"),
            ["pgpass"] = B64("shop-pg-rw:5432:app:app:x"),
        };
        await kube.Api.CreateAsync(ResourceKind.Secret, ns, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "shop-pg-app", ["namespace"] = ns },
            ["type"] = "kubernetes.io/basic-auth",
            ["data"] = data.DeepClone(),
        }, CancellationToken.None);
        var shop = TestKube.Shop(ns, "demo", replicas: 1);
        shop["spec"]!["database"] = new JsonObject { ["connectionSecretRef"] = new JsonObject { ["name"] = "shop-pg-app", ["format"] = "Fields" } };
        await kube.CreateAsync(shop);

        // The operator may see the shop before its Secret cache has the Secret ("not found" first): wait for the
        // message that names the missing key, which must come once the Secret is seen.
        const string NoPassword = "Secret shop-pg-app (spec.database.connectionSecretRef) has no key password; the shop heals when it is created";
        var waiting = await Poll.UntilAsync(
            async () => await kube.TryGetAsync(ResourceKind.ShopInstance, ns, "demo") is { } s
                && TestKube.ConditionReason(s, "DatabaseReady") == "SecretMissing"
                && (string?)TestKube.Condition(s, "DatabaseReady")?["message"] == NoPassword ? s : null,
            TimeSpan.FromSeconds(20),
            "DatabaseReady naming the missing password key");
        Assert.Equal(NoPassword, TestKube.Condition(waiting, "DatabaseReady")!["message"]!.GetValue<string>());
        Assert.Null(await kube.TryGetAsync(ResourceKind.Deployment, ns, "demo-api"));

        data["password"] = B64("p@ss;word");
        await kube.UpdateAsync(ResourceKind.Secret, ns, "shop-pg-app", s => s["data"] = data.DeepClone());
        var ready = await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        Assert.Equal("True", TestKube.ConditionStatus(ready, "DatabaseReady"));

        // One variable per field from the Secret; user is optional (CNPG writes username), host is not.
        var env = (await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api"))!["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .Where(e => e!["valueFrom"]?["secretKeyRef"] is not null)
            .ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["valueFrom"]!["secretKeyRef"]!);
        Assert.Equal(["SHOP_DB_HOST", "SHOP_DB_PORT", "SHOP_DB_NAME", "SHOP_DB_USER", "SHOP_DB_USERNAME", "SHOP_DB_PASSWORD", "SHOP_DB_SSLMODE"], env.Keys);
        Assert.All(env.Values, r => Assert.Equal("shop-pg-app", r["name"]!.GetValue<string>()));
        Assert.Null(env["SHOP_DB_HOST"]["optional"]);
        Assert.True(env["SHOP_DB_USER"]["optional"]!.GetValue<bool>());
    }

    private static string B64(string value) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value));
}
