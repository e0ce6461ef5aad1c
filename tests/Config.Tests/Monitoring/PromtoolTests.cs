using System.Text.Json.Nodes;
using Config.Tests.Manifests;
using Xunit;

namespace Config.Tests.Monitoring;

/// <summary>
/// The PrometheusRule checked by the real promtool (Debian's prometheus package; make test-setup installs it):
/// <c>promtool check rules</c> on the whole rule set, and <c>promtool test rules</c> over the unit tests in
/// config/monitoring/tests/, which include a second controller that must not count as ours.
/// </summary>
public sealed class PromtoolTests
{
    private const string TestsDir = "config/monitoring/tests";

    public static TheoryData<string> TestFiles => new(
        Directory.EnumerateFiles(Repo.Path(TestsDir), "*.test.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    private static JsonArray Groups() =>
        YamlJson.LoadAll(Repo.Read("config/monitoring/prometheusrule.yaml")).Single()!["spec"]!["groups"]!.AsArray();

    [SkippableFact]
    public async Task Promtool_checks_the_rules_with_their_annotations()
    {
        Skip.IfNot(Processes.OnPath("promtool"), "promtool is not installed (make test-setup installs Debian's prometheus package)");
        var dir = Directory.CreateTempSubdirectory("rules-").FullName;
        try
        {
            var file = Path.Combine(dir, "prometheusrule.json");
            await File.WriteAllTextAsync(file, new JsonObject { ["groups"] = Groups().DeepClone() }.ToJsonString());
            var result = await Processes.RunAsync("promtool", ["check", "rules", file]);
            Assert.True(result.ExitCode == 0, result.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestFiles))]
    public async Task Promtool_unit_tests_pass(string testFile)
    {
        Skip.IfNot(Processes.OnPath("promtool"), "promtool is not installed (make test-setup installs Debian's prometheus package)");
        var dir = Directory.CreateTempSubdirectory("rules-").FullName;
        try
        {
            // promtool compares annotations exactly; the runbooks are long templates, so the unit tests see the
            // rules without them (the check above renders them).
            var groups = Groups().DeepClone().AsArray();
            foreach (var rule in groups.SelectMany(g => g!["rules"]!.AsArray()))
            {
                rule!.AsObject().Remove("annotations");
            }

            await File.WriteAllTextAsync(Path.Combine(dir, "prometheusrule.rules.json"), new JsonObject { ["groups"] = groups }.ToJsonString());
            File.Copy(Repo.Path(Path.Combine(TestsDir, testFile)), Path.Combine(dir, testFile));
            var result = await Processes.RunAsync("promtool", ["test", "rules", testFile], workingDirectory: dir);
            Assert.True(result.ExitCode == 0, result.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Every_alert_has_a_promtool_unit_test()
    {
        var tests = string.Join('\n', Directory.EnumerateFiles(Repo.Path(TestsDir), "*.test.yaml").Select(File.ReadAllText));
        var alerts = Groups().SelectMany(g => g!["rules"]!.AsArray()).Select(r => (string?)r!["alert"]).OfType<string>().ToList();
        Assert.NotEmpty(alerts);
        var untested = alerts.Where(a => !tests.Contains("alertname: " + a, StringComparison.Ordinal)).ToList();
        Assert.True(untested.Count == 0, "no promtool test for: " + string.Join(", ", untested));
    }
}
