using System.Security.Cryptography;
using Xunit;

namespace Config.Tests.Scripts;

/// <summary>
/// The kubectl plugin's release archive (build/package-plugin.sh, attached to vX.Y.Z releases by ci.yml's
/// release-plugin job): built from a copy of the sources, unpacked elsewhere, and run the way kubectl runs plugins.
/// </summary>
public sealed class PluginArchiveTests
{
    private const string Version = "9.8.7";
    private const string Revision = "0123456789abcdef0123456789abcdef01234567";

    [SkippableFact]
    public async Task The_release_archive_unpacks_anywhere_and_runs_as_kubectl_shop()
    {
        Skip.IfNot(Processes.OnPath("dotnet") && Processes.OnPath("tar") && Processes.OnPath("bash"), "dotnet, tar and bash are needed");
        var root = Directory.CreateTempSubdirectory("plugin-archive-").FullName;
        try
        {
            // Its own copy of what the script builds, so the checkout's bin/ and obj/ are left to the other tests.
            var source = Path.Combine(root, "src");
            foreach (var part in new[] { "operator", "build", "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig" })
            {
                if (File.Exists(Repo.Path(part)) || Directory.Exists(Repo.Path(part)))
                {
                    Repo.CopySource(Repo.Path(part), Path.Combine(source, part));
                }
            }

            var dist = Path.Combine(root, "dist");
            var package = await Processes.RunAsync(
                "bash",
                [Path.Combine(source, "build", "package-plugin.sh"), dist],
                source,
                new Dictionary<string, string?> { ["VERSION"] = Version, ["REVISION"] = Revision },
                TimeSpan.FromMinutes(5));
            Assert.True(package.ExitCode == 0, package.Output);
            var archive = Path.Combine(dist, $"kubectl-shop-{Version}.tar.gz");
            Assert.Equal(archive, package.StdOut.Trim());

            var sum = (await File.ReadAllTextAsync(archive + ".sha256")).Split(' ', 2);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(archive))), sum[0]);
            Assert.Equal($"kubectl-shop-{Version}.tar.gz", sum[1].Trim());

            // Unpacked somewhere else: the plugin finds its program relative to itself.
            var unpacked = Path.Combine(root, "elsewhere");
            Directory.CreateDirectory(unpacked);
            var untar = await Processes.RunAsync("tar", ["-xzf", archive, "-C", unpacked], unpacked);
            Assert.True(untar.ExitCode == 0, untar.Output);
            var bin = Path.Combine(unpacked, $"kubectl-shop-{Version}", "bin");
            var version = await Processes.RunAsync(Path.Combine(bin, "kubectl-shop"), ["--version"], unpacked);
            Assert.True(version.ExitCode == 0, version.Output);
            Assert.Equal($"shop-operator {Version} (commit {Revision})", version.StdOut.Trim());

            if (Processes.OnPath("kubectl"))
            {
                var path = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
                var viaKubectl = await Processes.RunAsync("kubectl", ["shop", "diagnose", "--help"], unpacked, new Dictionary<string, string?> { ["PATH"] = path });
                Assert.True(viaKubectl.ExitCode == 0, viaKubectl.Output);
                Assert.Contains("diagnose", viaKubectl.StdOut, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
