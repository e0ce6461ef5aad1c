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

    public static TheoryData<ShopStatusCase> Cases => new(ShopStatuses.All);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Maps_the_status_to_an_Argo_CD_health(ShopStatusCase shop)
    {
        var (status, message) = await RunAsync(shop.Shop);
        Assert.True(shop.Argo == status, $"{shop.Name}: expected {shop.Argo}, got {status} ({message})");
        Assert.Contains(shop.ArgoMessage, message, StringComparison.Ordinal);
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
