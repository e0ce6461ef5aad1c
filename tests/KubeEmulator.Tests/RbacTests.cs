using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// Opt-in RBAC ("Using RBAC Authorization"; plugin/pkg/auth/authorizer/rbac; "Authenticating": service account
/// users and groups; admission OwnerReferencesPermissionEnforcement).
/// </summary>
public sealed class RbacTests() : EmulatorTest(new EmulatorOptions { Rbac = true })
{
    private const string Group = "rbac.authorization.k8s.io";
    private const string Operator = "system:serviceaccount:ops:robot";
    private EmulatorApi _admin = null!;
    private EmulatorApi _robot = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = new EmulatorApi(Emulator, "any-kubeconfig-token");
        _robot = _admin.As(Operator);
        await _admin.OkAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "ops" } });
        await _admin.OkAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "shop" } });
    }

    public override async Task DisposeAsync()
    {
        _robot.Dispose();
        _admin.Dispose();
        await base.DisposeAsync();
    }

    private static JsonObject Rule(string group, string[] resources, string[] verbs, string[]? names = null)
    {
        var rule = new JsonObject
        {
            ["apiGroups"] = new JsonArray(group),
            ["resources"] = new JsonArray([.. resources.Select(r => (JsonNode)r)]),
            ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
        };
        if (names is not null)
        {
            rule["resourceNames"] = new JsonArray([.. names.Select(n => (JsonNode)n)]);
        }

        return rule;
    }

    private async Task GrantAsync(string? ns, string name, params JsonObject[] rules)
    {
        var scope = ns is null ? "" : $"namespaces/{ns}/";
        var (roleKind, bindingKind) = ns is null ? ("ClusterRole", "ClusterRoleBinding") : ("Role", "RoleBinding");
        await _admin.OkAsync(HttpMethod.Post, $"/apis/{Group}/v1/{scope}{roleKind.ToLowerInvariant()}s", new JsonObject
        {
            ["apiVersion"] = $"{Group}/v1",
            ["kind"] = roleKind,
            ["metadata"] = new JsonObject { ["name"] = name },
            ["rules"] = new JsonArray([.. rules]),
        });
        await _admin.OkAsync(HttpMethod.Post, $"/apis/{Group}/v1/{scope}{bindingKind.ToLowerInvariant()}s", new JsonObject
        {
            ["apiVersion"] = $"{Group}/v1",
            ["kind"] = bindingKind,
            ["metadata"] = new JsonObject { ["name"] = name },
            ["roleRef"] = new JsonObject { ["apiGroup"] = Group, ["kind"] = roleKind, ["name"] = name },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "robot", ["namespace"] = "ops" }),
        });
    }

    private static JsonObject Secret(string name) =>
        new() { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = new JsonObject { ["name"] = name }, ["data"] = new JsonObject { ["k"] = "eA==" } };

    [Fact]
    public async Task Rbac_A_service_account_without_bindings_gets_403_with_upstreams_message_and_the_kubeconfig_token_stays_admin()
    {
        var (code, status) = await _robot.SendAsync(HttpMethod.Get, "/api/v1/namespaces/shop/secrets");
        var (clusterCode, clusterStatus) = await _robot.SendAsync(HttpMethod.Get, "/api/v1/namespaces");
        var (namedCode, namedStatus) = await _robot.SendAsync(HttpMethod.Get, "/apis/apps/v1/namespaces/shop/deployments/web");
        var (adminCode, _) = await _admin.SendAsync(HttpMethod.Get, "/api/v1/namespaces/shop/secrets");
        var (anonymousCode, _) = await new EmulatorApi(Emulator).SendAsync(HttpMethod.Get, "/api/v1/namespaces/shop/secrets");

        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("Forbidden", status["reason"]!.GetValue<string>());
        Assert.Equal("secrets is forbidden: User \"system:serviceaccount:ops:robot\" cannot list resource \"secrets\" in API group \"\" in the namespace \"shop\"", status["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, clusterCode);
        Assert.Equal("namespaces is forbidden: User \"system:serviceaccount:ops:robot\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope", clusterStatus["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, namedCode);
        Assert.Equal("deployments.apps \"web\" is forbidden: User \"system:serviceaccount:ops:robot\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"shop\"", namedStatus["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, adminCode);
        Assert.Equal(HttpStatusCode.OK, anonymousCode);
    }

    [Fact]
    public async Task Rbac_RoleBinding_grants_in_its_namespace_only_and_ClusterRoleBinding_everywhere()
    {
        await GrantAsync("shop", "secrets-reader", Rule("", ["secrets"], ["get", "list"]));
        await GrantAsync(null, "deploy-watcher", Rule("apps", ["deployments"], ["list", "watch"]));

        Assert.Equal(HttpStatusCode.OK, (await _robot.SendAsync(HttpMethod.Get, "/api/v1/namespaces/shop/secrets")).Code);
        Assert.Equal(HttpStatusCode.Forbidden, (await _robot.SendAsync(HttpMethod.Get, "/api/v1/namespaces/ops/secrets")).Code);
        Assert.Equal(HttpStatusCode.Forbidden, (await _robot.SendAsync(HttpMethod.Post, "/api/v1/namespaces/shop/secrets", Secret("s"))).Code);
        Assert.Equal(HttpStatusCode.OK, (await _robot.SendAsync(HttpMethod.Get, "/apis/apps/v1/namespaces/ops/deployments")).Code);
        Assert.Equal(HttpStatusCode.OK, (await _robot.SendAsync(HttpMethod.Get, "/apis/apps/v1/deployments")).Code);
        Assert.Equal(HttpStatusCode.Forbidden, (await _robot.SendAsync(HttpMethod.Get, "/apis/apps/v1/namespaces/ops/deployments/x")).Code);
    }

    [Fact]
    public async Task Rbac_Verbs_star_subresources_and_resourceNames_match_as_upstream()
    {
        await GrantAsync("shop", "status-writer", Rule("apps", ["deployments/status"], ["*"]), Rule("", ["secrets"], ["get", "update"], ["allowed"]));
        await _admin.OkAsync(HttpMethod.Post, "/api/v1/namespaces/shop/secrets", Secret("allowed"));
        await _admin.OkAsync(HttpMethod.Post, "/api/v1/namespaces/shop/secrets", Secret("other"));

        var (statusCode, _) = await _robot.SendAsync(HttpMethod.Get, "/apis/apps/v1/namespaces/shop/deployments/web/status");
        var (mainCode, _) = await _robot.SendAsync(HttpMethod.Get, "/apis/apps/v1/namespaces/shop/deployments/web");
        var (named, _) = await _robot.SendAsync(HttpMethod.Get, "/api/v1/namespaces/shop/secrets/allowed");
        var (otherName, otherStatus) = await _robot.SendAsync(HttpMethod.Get, "/api/v1/namespaces/shop/secrets/other");
        var (listNamed, _) = await _robot.SendAsync(HttpMethod.Get, "/api/v1/namespaces/shop/secrets");

        Assert.Equal(HttpStatusCode.NotFound, statusCode);
        Assert.Equal(HttpStatusCode.Forbidden, mainCode);
        Assert.Equal(HttpStatusCode.OK, named);
        Assert.Equal(HttpStatusCode.Forbidden, otherName);
        Assert.Contains("secrets \"other\" is forbidden", otherStatus["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, listNamed);

        var (subresourceDenied, subStatus) = await _robot.SendAsync(HttpMethod.Patch, "/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web/status", new JsonObject(), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.Forbidden, subresourceDenied);
        Assert.Contains("cannot patch resource \"ingresses/status\" in API group \"networking.k8s.io\"", subStatus["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OwnerReferencesPermissionEnforcement_blockOwnerDeletion_needs_update_on_the_owners_finalizers()
    {
        await GrantAsync("shop", "writer", Rule("", ["secrets", "configmaps"], ["create", "get"]));
        var owner = await _admin.OkAsync(HttpMethod.Post, "/api/v1/namespaces/shop/configmaps", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "owner" } });
        JsonObject Owned(string name, bool block)
        {
            var secret = Secret(name);
            secret["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["name"] = "owner",
                ["uid"] = owner["metadata"]!["uid"]!.GetValue<string>(),
                ["blockOwnerDeletion"] = block,
            });
            return secret;
        }

        var (plain, _) = await _robot.SendAsync(HttpMethod.Post, "/api/v1/namespaces/shop/secrets", Owned("plain", false));
        var (blocked, status) = await _robot.SendAsync(HttpMethod.Post, "/api/v1/namespaces/shop/secrets", Owned("blocked", true));
        await GrantAsync("shop", "finalizers", Rule("", ["configmaps/finalizers"], ["update"]));
        var (allowed, _) = await _robot.SendAsync(HttpMethod.Post, "/api/v1/namespaces/shop/secrets", Owned("blocked", true));

        Assert.Equal(HttpStatusCode.Created, plain);
        Assert.Equal(HttpStatusCode.Forbidden, blocked);
        Assert.Equal("secrets \"blocked\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>", status["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, allowed);
    }

    [Fact]
    public async Task Rbac_An_apply_that_creates_is_authorized_as_create_too_and_one_that_updates_as_patch_only()
    {
        // handlers/patch.go: the create validation of an apply runs withAuthorization on the create attributes.
        const string path = "/api/v1/namespaces/shop/configmaps/applied?fieldManager=robot";
        JsonObject Applied(string value) =>
            new() { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "applied" }, ["data"] = new JsonObject { ["k"] = value } };
        await GrantAsync("shop", "applier", Rule("", ["configmaps"], ["patch"]));

        var (patchOnly, status) = await _robot.SendAsync(HttpMethod.Patch, path, Applied("a"), "application/apply-patch+yaml");
        await GrantAsync("shop", "creator", Rule("", ["configmaps"], ["create"]));
        var (created, _) = await _robot.SendAsync(HttpMethod.Patch, path, Applied("a"), "application/apply-patch+yaml");
        await _admin.OkAsync(HttpMethod.Delete, "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/creator");
        var (updated, _) = await _robot.SendAsync(HttpMethod.Patch, path, Applied("b"), "application/apply-patch+yaml");

        Assert.Equal(HttpStatusCode.Forbidden, patchOnly);
        Assert.Equal("configmaps \"applied\" is forbidden: User \"system:serviceaccount:ops:robot\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"shop\"", status["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.Contains(new AccessRecord(Operator, "create", "", "configmaps", "shop"), Emulator.AccessLog.Records);
    }

    [Fact]
    public async Task Rbac_The_access_log_lists_what_each_service_account_used_and_what_it_never_used()
    {
        await GrantAsync(null, "mixed", Rule("", ["secrets"], ["get", "list", "delete"]), Rule("apps", ["deployments"], ["list"]));

        await _robot.OkAsync(HttpMethod.Get, "/api/v1/namespaces/shop/secrets");
        await _robot.OkAsync(HttpMethod.Get, "/apis/apps/v1/deployments");

        Assert.Contains(new AccessRecord(Operator, "list", "", "secrets", "shop"), Emulator.AccessLog.Records);
        Assert.Contains(new AccessRecord(Operator, "list", "apps", "deployments", null), Emulator.AccessLog.Records);
        var user = new UserInfo(Operator, ["system:serviceaccounts", "system:serviceaccounts:ops", "system:authenticated"]);
        Assert.Equal(["delete /secrets", "get /secrets"], Emulator.AccessLog.UnusedPermissions(user));
    }
}
