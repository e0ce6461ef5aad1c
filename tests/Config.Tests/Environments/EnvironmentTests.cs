using System.Text.RegularExpressions;
using Config.Tests.Manifests;
using Xunit;

namespace Config.Tests.Environments;

[Collection(KustomizeFixture.Collection)]
public sealed partial class EnvironmentTests(KustomizeFixture fixture)
{
    private static readonly string[] Names = ["dev", "stage", "prod"];

    [Fact]
    public void Each_environment_names_its_image_by_digest_in_exactly_one_line()
    {
        foreach (var env in Names)
        {
            var lines = DigestLine().Matches(Repo.Read($"config/environments/{env}/kustomization.yaml"));
            Assert.True(lines.Count == 1, $"{env}: {lines.Count} digest lines");
        }
    }

    [SkippableFact]
    public void Environments_differ_in_namespace_host_and_size_and_run_their_own_digest()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var shops = Names.ToDictionary(e => e, e => fixture.Build($"config/environments/{e}").Objects.Single(m => m.Kind == "ShopInstance"), StringComparer.Ordinal);
        Assert.Equal(3, shops.Values.Select(s => s.Namespace).Distinct().Count());
        Assert.Equal(3, shops.Values.Select(s => (string?)s.Json["spec"]!["host"]).Distinct().Count());
        Assert.Equal(3, shops.Values.Select(s => (int?)s.Json["spec"]!["web"]!["replicas"]).Distinct().Count());
        Assert.Equal(3, shops.Values.Select(s => (string?)s.Json["spec"]!["api"]!["resources"]!["requests"]!["cpu"]).Distinct().Count());
        foreach (var env in Names)
        {
            var digest = DigestLine().Match(Repo.Read($"config/environments/{env}/kustomization.yaml")).Groups["digest"].Value;
            Assert.EndsWith("@" + digest, (string?)shops[env].Json["spec"]!["image"], StringComparison.Ordinal);
            Assert.Equal($"shop-{env}", shops[env].Namespace);
        }

        Assert.True((int?)shops["prod"].Json["spec"]!["web"]!["replicas"] >= 2, "prod needs more than one web replica");
    }

    [SkippableFact]
    public async Task Promote_copies_the_digest_to_the_next_environment_and_prints_the_diff()
    {
        using var copy = EnvironmentCopy.Create();
        var stage = copy.Digest("stage");
        var result = await copy.PromoteAsync("stage", "prod");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(stage, copy.Digest("prod"));
        Assert.Contains("+    digest: " + stage, result.StdOut, StringComparison.Ordinal);
        Assert.Contains("-    digest: ", result.StdOut, StringComparison.Ordinal);

        // Everything but the digest line is untouched.
        var before = Repo.Read("config/environments/prod/kustomization.yaml").Split('\n');
        var after = copy.Read("prod").Split('\n');
        Assert.Equal(before.Length, after.Length);
        Assert.Single(before.Zip(after), p => p.First != p.Second);

        var again = await copy.PromoteAsync("stage", "prod");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing changed", again.StdOut, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("dev", "prod", "--force")]
    [InlineData("prod", "stage", "--force")]
    [InlineData("stage", "stage", "both")]
    [InlineData("dev", "qa", "unknown environment")]
    [InlineData("", "", "unknown environment")]
    public async Task Promote_refuses_a_path_other_than_dev_stage_prod(string from, string to, string message)
    {
        using var copy = EnvironmentCopy.Create();
        var before = copy.Digest("prod");
        var result = await copy.PromoteAsync(from, to);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, copy.Digest("prod"));
    }

    [SkippableFact]
    public async Task Promote_with_force_may_skip_stage()
    {
        using var copy = EnvironmentCopy.Create();
        var result = await copy.PromoteAsync("dev", "prod", "--force");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(copy.Digest("dev"), copy.Digest("prod"));
    }

    [SkippableTheory]
    [InlineData("sha256:abc")]
    [InlineData("sha256:ZZ68501bac0cba26bb297b67eeb8a13600447e13fa9c26979b5528bf9a900e0")]
    [InlineData("latest")]
    public async Task Promote_refuses_a_malformed_digest(string digest)
    {
        using var copy = EnvironmentCopy.Create();
        copy.SetDigest("stage", digest);
        var before = copy.Digest("prod");
        var result = await copy.PromoteAsync("stage", "prod");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("refusing", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, copy.Digest("prod"));
    }

    [GeneratedRegex(@"^\s*digest:\s*(?<digest>sha256:[0-9a-f]{64})\s*$", RegexOptions.Multiline)]
    internal static partial Regex DigestLine();

    /// <summary>A scratch copy of config/environments, so promote.sh edits never touch the checkout.</summary>
    private sealed class EnvironmentCopy : IDisposable
    {
        private EnvironmentCopy(string dir) => Dir = dir;

        public string Dir { get; }

        public static EnvironmentCopy Create()
        {
            Skip.IfNot(Processes.OnPath("bash"), "bash is not installed");
            var dir = Directory.CreateTempSubdirectory("promote-").FullName;
            foreach (var env in Names)
            {
                Directory.CreateDirectory(Path.Combine(dir, env));
                File.Copy(Repo.Path($"config/environments/{env}/kustomization.yaml"), Path.Combine(dir, env, "kustomization.yaml"));
            }

            return new EnvironmentCopy(dir);
        }

        public string Read(string env) => File.ReadAllText(Path.Combine(Dir, env, "kustomization.yaml"));

        public string Digest(string env) => Regex.Match(Read(env), @"digest:\s*(\S+)").Groups[1].Value;

        public void SetDigest(string env, string digest)
        {
            var file = Path.Combine(Dir, env, "kustomization.yaml");
            File.WriteAllText(file, Regex.Replace(File.ReadAllText(file), @"digest:\s*\S+", "digest: " + digest));
        }

        public Task<ProcessResult> PromoteAsync(params string[] args) =>
            Processes.RunAsync("bash", [Repo.Path("build/promote.sh"), .. args], environment: new Dictionary<string, string?> { ["PROMOTE_ENV_DIR"] = Dir });

        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }
}
