using Xunit;

namespace Config.Tests.Scripts;

/// <summary>make test does its own set-up (build/test-setup.sh), as make run does; .ci/run only wraps it.</summary>
public sealed class TestSetupScriptTests
{
    [Fact]
    public void Make_test_runs_the_set_up_first_and_ci_run_is_a_thin_wrapper()
    {
        var makefile = Repo.Read("Makefile");
        Assert.Matches(@"(?m)^test: test-setup build\b", makefile);
        Assert.Contains("./build/test-setup.sh", makefile, StringComparison.Ordinal);

        var ci = Repo.Read(".ci/run");
        Assert.DoesNotContain("apt-get", ci, StringComparison.Ordinal);
        Assert.DoesNotContain("npm", ci, StringComparison.Ordinal);
        Assert.Contains("dotnet restore ShopOperator.slnx --locked-mode", ci, StringComparison.Ordinal);
        Assert.EndsWith("make test", ci.TrimEnd(), StringComparison.Ordinal);

        var setup = Repo.Read("build/test-setup.sh");
        foreach (var package in new[] { "postgresql", "nginx", "chromium", "wrk", "lua5.4", "prometheus", "kubectl", "npm" })
        {
            Assert.Contains("=" + package, setup, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task When_apt_get_cannot_install_it_fails_with_one_message_naming_the_command()
    {
        Skip.IfNot(Processes.OnPath("bash"), "bash is not installed");
        var bin = Directory.CreateTempSubdirectory("nosetup-").FullName;
        try
        {
            // The few tools the script itself runs; none of the test tools; an apt-get that fails.
            foreach (var tool in new[] { "dirname", "ls", "sort", "tail", "id", "env" })
            {
                var target = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
                if (target is not null)
                {
                    File.CreateSymbolicLink(Path.Combine(bin, tool), target);
                }
            }

            await File.WriteAllTextAsync(Path.Combine(bin, "apt-get"), "#!/bin/sh\necho 'E: no network' >&2\nexit 100\n");
            await File.WriteAllTextAsync(Path.Combine(bin, "sudo"), "#!/bin/sh\nexec \"$@\"\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(bin, "apt-get"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
                File.SetUnixFileMode(Path.Combine(bin, "sudo"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }

            var result = await Processes.RunAsync("/bin/bash", [Repo.Path("build/test-setup.sh")], environment: new Dictionary<string, string?> { ["PATH"] = bin, ["SHOP_TEST_SETUP"] = null });
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("apt-get could not install", result.StdErr, StringComparison.Ordinal);
            Assert.Contains("sudo apt-get install", result.StdErr, StringComparison.Ordinal);
            Assert.Contains("prometheus", result.StdErr, StringComparison.Ordinal);
            Assert.Contains("lua5.4", result.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }
}
