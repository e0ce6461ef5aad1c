using System.Text.Json.Nodes;
using k8s;
using ShopOperator.Kube;

namespace Operator.Tests;

/// <summary>The test's own view of the cluster: plain reads and writes, no cache.</summary>
public sealed class TestKube(Kubernetes client)
{
    public const string DigestA = "ghcr.io/example/shop@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public const string DigestB = "ghcr.io/example/shop@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    public const string DigestC = "ghcr.io/example/shop@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

    public KubeApi Api { get; } = new(client);

    public static JsonObject Shop(string ns, string name, string image = DigestA, int replicas = 2, int progressDeadlineSeconds = 5) => new()
    {
        ["apiVersion"] = "shop.example.com/v1alpha1",
        ["kind"] = "ShopInstance",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["image"] = image,
            ["host"] = name + ".example.com",
            ["web"] = new JsonObject { ["replicas"] = replicas },
            ["api"] = new JsonObject { ["replicas"] = replicas },
            ["database"] = new JsonObject
            {
                ["connectionSecretRef"] = new JsonObject { ["name"] = "shop-db", ["key"] = "connectionString" },
                ["egress"] = new JsonObject { ["cidr"] = "10.0.0.0/16" },
            },
            ["rollout"] = new JsonObject { ["autoRollback"] = true, ["progressDeadlineSeconds"] = progressDeadlineSeconds },
        },
    };

    public static readonly (ResourceKind Kind, string Suffix)[] Children =
    [
        (ResourceKind.Deployment, "-web"), (ResourceKind.Deployment, "-api"),
        (ResourceKind.Service, "-web"), (ResourceKind.Service, "-api"),
        (ResourceKind.ServiceAccount, "-web"), (ResourceKind.ServiceAccount, "-api"),
        (ResourceKind.Ingress, ""),
        (ResourceKind.NetworkPolicy, "-default-deny"), (ResourceKind.NetworkPolicy, "-web"), (ResourceKind.NetworkPolicy, "-api"),
        (ResourceKind.PodDisruptionBudget, "-web"), (ResourceKind.PodDisruptionBudget, "-api"),
        (ResourceKind.Secret, "-web-keys"),
    ];

    /// <summary>A namespace with the connection Secret shops of <see cref="Shop"/> read, unless <paramref name="withConnectionSecret"/> is false.</summary>
    public async Task CreateNamespaceAsync(string ns, bool withConnectionSecret = true)
    {
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } };
        try
        {
            await Api.CreateAsync(new ResourceKind("", "v1", "namespaces", "Namespace"), null, body, CancellationToken.None);
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            // Already there.
        }

        if (withConnectionSecret)
        {
            await CreateConnectionSecretAsync(ns);
        }
    }

    /// <summary>
    /// The connection Secret <see cref="Shop"/> references (spec.database.connectionSecretRef): without it the api
    /// tier's pods wait with CreateContainerConfigError and never become available, on a cluster as on the emulator.
    /// </summary>
    public async Task CreateConnectionSecretAsync(string ns)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "shop-db" },
            ["stringData"] = new JsonObject { ["connectionString"] = "Host=db;Database=shop;Username=shop" },
        };
        try
        {
            await Api.CreateAsync(ResourceKind.Secret, ns, body, CancellationToken.None);
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            // Already there.
        }
    }

    /// <summary>A namespace for shops of <see cref="Shop"/>: with the connection Secret they reference (shop-db, key connectionString).</summary>
    public async Task CreateShopNamespaceAsync(string ns)
    {
        await CreateNamespaceAsync(ns);
        await CreateConnectionSecretAsync(ns);
    }

    public async Task CreateConnectionSecretAsync(string ns, string name = "shop-db")
    {
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["data"] = new JsonObject { ["connectionString"] = Convert.ToBase64String("Host=db;Database=shop;Username=shop;Password=x"u8.ToArray()) },
        };
        try
        {
            await Api.CreateAsync(ResourceKind.Secret, ns, secret, CancellationToken.None);
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            // Already there.
        }
    }

    public Task<JsonObject> CreateAsync(JsonObject shop) =>
        Api.CreateAsync(ResourceKind.ShopInstance, shop["metadata"]!["namespace"]!.GetValue<string>(), shop, CancellationToken.None);

    public Task<JsonObject?> GetAsync(ResourceKind kind, string ns, string name) => Api.GetAsync(kind, ns, name, CancellationToken.None);

    public async Task<JsonObject?> TryGetAsync(ResourceKind kind, string ns, string name)
    {
        try
        {
            return await Api.GetAsync(kind, ns, name, CancellationToken.None);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>Read-modify-write with retry on conflict, as a person with kubectl edit would.</summary>
    public async Task<JsonObject> UpdateAsync(ResourceKind kind, string ns, string name, Action<JsonObject> change)
    {
        for (var attempt = 0; ; attempt++)
        {
            var obj = await GetAsync(kind, ns, name) ?? throw new InvalidOperationException($"{kind.Kind} {ns}/{name} not found");
            change(obj);
            try
            {
                return await Api.ReplaceAsync(kind, ns, name, obj, CancellationToken.None);
            }
            catch (KubeApiException e) when (e.IsConflict && attempt < 20)
            {
                // Someone (the operator) wrote in between: read again.
            }
        }
    }

    public Task DeleteAsync(ResourceKind kind, string ns, string name) => Api.DeleteAsync(kind, ns, name, CancellationToken.None);

    public static JsonObject? Condition(JsonObject? shop, string type) =>
        (shop?["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    public static string? ConditionStatus(JsonObject? shop, string type) => Condition(shop, type)?["status"]?.GetValue<string>();

    public static string? ConditionReason(JsonObject? shop, string type) => Condition(shop, type)?["reason"]?.GetValue<string>();

    public async Task<JsonObject> WaitForConditionAsync(string ns, string name, string type, string status, TimeSpan? timeout = null, string? reason = null)
    {
        JsonObject? last = null;
        try
        {
            return await Poll.UntilAsync(
                async () =>
                {
                    var shop = last = await TryGetAsync(ResourceKind.ShopInstance, ns, name);
                    return ConditionStatus(shop, type) == status && (reason is null || ConditionReason(shop, type) == reason) ? shop : null;
                },
                timeout ?? TimeSpan.FromSeconds(20),
                $"{ns}/{name} {type}={status}{(reason is null ? "" : " (" + reason + ")")}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "; last status: " + last?["status"]?.ToJsonString(), e);
        }
    }

    public static string? ContainerImage(JsonObject? deployment) =>
        deployment?["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>();
}
