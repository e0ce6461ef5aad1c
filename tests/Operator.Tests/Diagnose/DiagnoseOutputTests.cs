using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ShopOperator.Diagnose;

namespace Operator.Tests.Diagnose;

/// <summary>The outputs of diagnose: the JSON contract (docs/operations.md) and the text renderings (golden).</summary>
public sealed class DiagnoseOutputTests
{
    [Fact]
    public void Json_has_the_documented_shape_and_step_names()
    {
        var snapshot = Snapshots.Healthy().WithBrokenPod("web", Snapshots.Waiting("ImagePullBackOff", "Back-off pulling image"));

        var json = JsonNode.Parse(DiagnosisRenderer.Json(DiagnosisSteps.Run(snapshot)))!.AsObject();

        Assert.Equal(["shop", "steps", "failedStep"], json.Select(p => p.Key));
        Assert.Equal("shop-dev/demo", (string?)json["shop"]);
        Assert.Equal("PodsReady", (string?)json["failedStep"]);
        var steps = json["steps"]!.AsArray();
        Assert.Equal(["DNS", "LoadBalancer", "IngressRoutes", "ServiceEndpoints", "PodsReady", "AppLogs", "Resources", "Dependencies", "RecentChanges"], steps.Select(s => (string?)s!["name"]));
        Assert.All(steps, s => Assert.Contains((string?)s!["status"], new[] { "Pass", "Warn", "Fail", "Skip" }));
        Assert.All(steps, s => Assert.IsType<JsonArray>(s!["evidence"]));
        Assert.NotNull(steps.Single(s => (string?)s!["name"] == "PodsReady")!["suggestion"]);
    }

    [Fact]
    public void Json_of_a_healthy_shop_has_a_null_failedStep() =>
        Assert.Null(JsonNode.Parse(DiagnosisRenderer.Json(DiagnosisSteps.Run(Snapshots.Healthy())))!["failedStep"]);

    public static TheoryData<string> Cases => new() { "healthy", "missing-secret-key", "crashing-api" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Text_rendering_matches_golden(string name)
    {
        var snapshot = name switch
        {
            "healthy" => Snapshots.Healthy(),
            "missing-secret-key" => Snapshots.Healthy()
                .WithBrokenPod("api", Snapshots.Waiting("CreateContainerConfigError", "couldn't find key connectionString in Secret shop-dev/shop-db")) with
            {
                Secrets = new Dictionary<string, SecretKeys>(StringComparer.Ordinal) { ["shop-db"] = new("shop-db", new HashSet<string>(["url"], StringComparer.Ordinal)) },
            },
            _ => Snapshots.Healthy().WithBrokenPod(
                "api",
                Snapshots.Waiting("CrashLoopBackOff", "back-off 40s restarting failed container"),
                new JsonObject { ["terminated"] = new JsonObject { ["reason"] = "Error", ["exitCode"] = 1 } },
                restarts: 5) with
            {
                Logs = [new("demo-api-5d8f7c-0", "shop", true, ["{\"LogLevel\":\"Critical\",\"Message\":\"cannot connect: Password=[redacted]\"}"])],
            },
        };

        var text = DiagnosisRenderer.Text(DiagnosisSteps.Run(snapshot));

        var golden = Path.Combine(GoldenDirectory(), name + ".txt");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllText(golden, text);
        }

        Assert.True(File.Exists(golden), $"{golden} is missing: run with UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(golden), text);
    }

    private static string GoldenDirectory([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "golden");

    [Theory]
    [InlineData(new string[0], "which ShopInstance")]
    [InlineData(new[] { "demo", "-o", "yaml" }, "-o takes text or json")]
    [InlineData(new[] { "demo", "--since", "yesterday" }, "--since takes a duration")]
    [InlineData(new[] { "demo", "--bogus" }, "unknown flag --bogus")]
    [InlineData(new[] { "demo", "other" }, "one ShopInstance at a time")]
    [InlineData(new[] { "demo", "-n" }, "-n needs a namespace")]
    public async Task Usage_errors_exit_2_with_a_message(string[] args, string expected)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await DiagnoseCommand.RunAsync(args, stdout, stderr, CancellationToken.None);

        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(stdout.ToString());
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("2h30m", 9000)]
    [InlineData("1.5h", 5400)]
    public void Durations_parse_as_kubectl_takes_them(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), DiagnoseCommand.ParseDuration(text));

    [Fact]
    public void Flags_parse_in_any_order_with_equals_forms()
    {
        var options = DiagnoseCommand.Parse(["-n", "shop-dev", "demo", "--output=json", "--since=2h", "--probe"], out var error);

        Assert.Null(error);
        Assert.Equal(new DiagnoseOptions("demo", "shop-dev", true, TimeSpan.FromHours(2), true, null, null), options);
    }
}
