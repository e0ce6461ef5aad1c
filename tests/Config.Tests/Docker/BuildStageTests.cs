using System.Text.RegularExpressions;
using Xunit;

namespace Config.Tests.Docker;

/// <summary>
/// No Docker engine runs here, so the images' build stage is replayed without one: the build stage's COPY lines
/// fill a fresh directory from the repository (build output excluded, as .dockerignore does), and its RUN lines run
/// there with a shell, mounts dropped and /app moved to a temporary directory. A flag the SDK refuses, a file the
/// stage forgets to copy or a restore that needs the network fails here, not first in CI's image job.
/// </summary>
public sealed partial class BuildStageTests
{
    public static TheoryData<string> Files => new() { "Dockerfile.shop", "Dockerfile.operator" };

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public async Task The_build_stage_restores_and_publishes_from_its_own_copies(string file)
    {
        Skip.IfNot(Processes.OnPath("dotnet") && Processes.OnPath("sh"), "dotnet and sh are needed");
        var dockerfile = Dockerfile.Parse(Repo.Read(file));
        var root = Directory.CreateTempSubdirectory("docker-build-").FullName;
        var output = Path.Combine(root, "app");
        try
        {
            await ReplayAsync(file, dockerfile, "build", Path.Combine(root, "build"), output);
            Assert.NotEmpty(Directory.EnumerateFiles(output, "*.dll"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Runs one stage's COPY and RUN lines in <paramref name="directory"/> (its WORKDIR); COPY --from replays that stage first.</summary>
    private static async Task ReplayAsync(string file, Dockerfile dockerfile, string stageName, string directory, string output)
    {
        var instructions = dockerfile.Instructions.ToList();
        var start = instructions.FindIndex(i => i.Keyword == "FROM" && i.Arguments.EndsWith(" AS " + stageName, StringComparison.OrdinalIgnoreCase));
        Assert.True(start >= 0, $"{file}: no stage named {stageName}");
        Directory.CreateDirectory(directory);
        foreach (var instruction in instructions.Skip(start + 1).TakeWhile(i => i.Keyword != "FROM"))
        {
            var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (instruction.Keyword == "COPY" && words[0].StartsWith("--from=", StringComparison.Ordinal))
            {
                var other = directory + "-" + words[0]["--from=".Length..];
                await ReplayAsync(file, dockerfile, words[0]["--from=".Length..], other, output);
                Repo.CopySource(other, directory);
            }
            else if (instruction.Keyword == "COPY")
            {
                foreach (var source in words[..^1])
                {
                    Repo.CopySource(Repo.Path(source.TrimEnd('/')), Path.Combine(directory, source.TrimEnd('/')));
                }
            }
            else if (instruction.Keyword == "RUN")
            {
                // Mounts are BuildKit's (cache, secret): without them the command reads the local NuGet cache and no secret.
                var command = Mount().Replace(instruction.Arguments, "").Replace(" /app", " " + output, StringComparison.Ordinal);
                var result = await Processes.RunAsync("sh", ["-c", command], directory, new Dictionary<string, string?> { ["NUGET_SOURCE"] = "" }, TimeSpan.FromMinutes(6));
                Assert.True(result.ExitCode == 0, $"{file} line {instruction.Line}: `{command}` failed:\n{result.Output}");
            }
        }
    }

    [GeneratedRegex(@"--mount=\S+")]
    private static partial Regex Mount();
}
