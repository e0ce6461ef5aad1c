using Xunit;

namespace Config.Tests.Scripts;

public sealed class ImagesScriptTests
{
    [SkippableFact]
    public async Task Without_a_docker_command_it_says_so_and_exits_2()
    {
        Skip.IfNot(Processes.OnPath("bash"), "bash is not installed");
        var bin = Directory.CreateTempSubdirectory("nodocker-").FullName;
        try
        {
            // A PATH with the few tools the script needs before it looks for docker, and no docker.
            foreach (var tool in new[] { "dirname", "sed", "git" })
            {
                var target = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
                if (target is not null)
                {
                    File.CreateSymbolicLink(Path.Combine(bin, tool), target);
                }
            }

            var result = await Processes.RunAsync("/bin/bash", [Repo.Path("build/images.sh")], environment: new Dictionary<string, string?> { ["PATH"] = bin });
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("Docker engine", result.StdErr, StringComparison.Ordinal);
            Assert.Contains("Nothing was built", result.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [SkippableFact]
    public async Task With_a_docker_command_but_no_engine_it_says_so_and_exits_2()
    {
        Skip.IfNot(Processes.OnPath("docker"), "no docker command here");
        var result = await Processes.RunAsync("bash", [Repo.Path("build/images.sh")], environment: new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" });
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no Docker engine answers", result.StdErr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task An_unknown_argument_is_refused_with_exit_2()
    {
        Skip.IfNot(Processes.OnPath("bash"), "bash is not installed");
        var result = await Processes.RunAsync("bash", [Repo.Path("build/images.sh"), "--bogus"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown argument", result.StdErr, StringComparison.Ordinal);
    }
}
