using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Config.Tests.Manifests;
using Xunit;

namespace Config.Tests.GitOps;

/// <summary>Runs the Argo CD health script with a real Lua 5.4 over the statuses the operator writes.</summary>
public sealed class LuaHealthTests
{
    private const string Script = "config/gitops/argocd/shopinstance-health.lua";

    private static JsonObject Shop(long generation, bool suspend, string? status) =>
        JsonNode.Parse($$"""
            {
              "apiVersion": "shop.example.com/v1alpha1",
              "kind": "ShopInstance",
              "metadata": { "name": "shop", "namespace": "shop-dev", "generation": {{generation}} },
              "spec": { "image": "ghcr.io/example/shop@sha256:{{new string('a', 64)}}", "host": "dev.shop.example.com", "suspend": {{(suspend ? "true" : "false")}} }
              {{(status is null ? "" : ", \"status\": " + status)}}
            }
            """)!.AsObject();

    private static string Status(long observed, params (string Type, string Status, string Reason, string Message)[] conditions) =>
        JsonSerializer.Serialize(new
        {
            observedGeneration = observed,
            conditions = conditions.Select(c => new { type = c.Type, status = c.Status, reason = c.Reason, message = c.Message, observedGeneration = observed }),
            url = "https://dev.shop.example.com",
        });

    public static TheoryData<string, JsonObject, string, string> Cases => new()
    {
        {
            "healthy", Shop(3, false, Status(3, ("Ready", "True", "Available", "every tier runs abc and is available"), ("Reconciling", "False", "Available", ""), ("Stalled", "False", "Available", ""))),
            "Healthy", "every tier runs abc"
        },
        {
            "rolling out", Shop(3, false, Status(3, ("Ready", "False", "RollingOut", "api 1/2 updated"), ("Reconciling", "True", "RollingOut", "api 1/2 updated"), ("Stalled", "False", "RollingOut", ""))),
            "Progressing", "RollingOut: api 1/2 updated"
        },
        {
            "rollout failed", Shop(3, false, Status(3, ("Ready", "False", "RolloutFailed", "rolled back to def"), ("Reconciling", "False", "RolloutFailed", "not retried"), ("Stalled", "True", "RolloutFailed", "pods of abc never became ready; rolled back"))),
            "Degraded", "RolloutFailed: pods of abc never became ready"
        },
        {
            "invalid spec", Shop(2, false, Status(2, ("Ready", "False", "InvalidSpec", "spec.host is not a DNS name"), ("Stalled", "True", "InvalidSpec", "spec.host is not a DNS name"))),
            "Degraded", "InvalidSpec"
        },
        {
            "stale observedGeneration", Shop(4, false, Status(3, ("Ready", "True", "Available", "old spec is available"), ("Stalled", "False", "Available", ""))),
            "Progressing", "generation 4"
        },
        {
            "stalled but a newer spec is not observed yet", Shop(5, false, Status(4, ("Stalled", "True", "RolloutFailed", "x"))),
            "Progressing", "generation 5"
        },
        {
            "suspended", Shop(3, true, Status(3, ("Ready", "True", "Available", ""), ("Reconciling", "False", "Suspended", "spec.suspend is true"))),
            "Suspended", "suspend"
        },
        {
            "no status yet", Shop(1, false, null),
            "Progressing", "Waiting for the operator"
        },
        {
            "status without observedGeneration", Shop(1, false, """{"conditions":[]}"""),
            "Progressing", "Waiting for the operator"
        },
        {
            "not ready, nothing else said", Shop(1, false, Status(1, ("Ready", "False", "Creating", "creating children"))),
            "Progressing", "Creating: creating children"
        },
    };

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Maps_the_status_to_an_Argo_CD_health(string name, JsonObject shop, string expectedStatus, string expectedMessage)
    {
        var (status, message) = await RunAsync(shop);
        Assert.True(expectedStatus == status, $"{name}: expected {expectedStatus}, got {status} ({message})");
        Assert.Contains(expectedMessage, message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_argocd_cm_patch_carries_the_same_script()
    {
        var patch = YamlJson.LoadAll(Repo.Read("config/gitops/argocd/argocd-cm-patch.yaml")).Single()!;
        Assert.Equal("argocd-cm", (string?)patch["metadata"]!["name"]);
        var embedded = (string?)patch["data"]!["resource.customizations.health.shop.example.com_ShopInstance"];
        Assert.Equal(Repo.Read(Script).TrimEnd(), embedded?.TrimEnd());
    }

    private static async Task<(string Status, string Message)> RunAsync(JsonObject shop)
    {
        Skip.IfNot(Processes.OnPath("lua5.4"), "lua5.4 is not installed (make test-setup installs it with apt-get)");
        var harness = Path.Combine(Path.GetTempPath(), $"health-{Guid.NewGuid():N}.lua");
        var lua = new StringBuilder()
            .Append("obj = ").Append(ToLua(shop)).Append('\n')
            .Append("local hs = dofile(").Append(Quote(Repo.Path(Script))).Append(")\n")
            .Append("io.write(tostring(hs.status), \"\\t\", tostring(hs.message))\n");
        await File.WriteAllTextAsync(harness, lua.ToString());
        try
        {
            var result = await Processes.RunAsync("lua5.4", [harness], timeout: TimeSpan.FromSeconds(20));
            Assert.True(result.ExitCode == 0, result.Output);
            var parts = result.StdOut.Split('\t', 2);
            return (parts[0], parts.Length > 1 ? parts[1] : "");
        }
        finally
        {
            File.Delete(harness);
        }
    }

    /// <summary>JSON as a Lua table literal, as Argo CD hands the object to the script (null fields are absent).</summary>
    private static string ToLua(JsonNode? node) => node switch
    {
        null => "nil",
        JsonObject map => "{" + string.Join(", ", map.Where(p => p.Value is not null).Select(p => $"[{Quote(p.Key)}] = {ToLua(p.Value)}")) + "}",
        JsonArray list => "{" + string.Join(", ", list.Select(ToLua)) + "}",
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => Quote(value.GetValue<string>()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => value.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
            _ => "nil",
        },
        _ => "nil",
    };

    private static string Quote(string s) =>
        "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
