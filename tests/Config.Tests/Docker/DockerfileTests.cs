using System.Text.Json;
using System.Xml.Linq;
using Xunit;

namespace Config.Tests.Docker;

public sealed class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "Dockerfile.shop", "shop/Shop/Shop.csproj" },
        { "Dockerfile.operator", "operator/ShopOperator/ShopOperator.csproj" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Passes_every_image_rule(string file, string project)
    {
        _ = project;
        var problems = DockerfileRules.Check(Dockerfile.Parse(Repo.Read(file)));
        Assert.True(problems.Count == 0, file + ":\n" + string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Runs_the_published_assembly_of_its_project(string file, string project)
    {
        var assembly = XDocument.Parse(Repo.Read(project)).Descendants("AssemblyName").Single().Value;
        var entrypoint = Dockerfile.Parse(Repo.Read(file)).FinalStage().Last(i => i.Keyword == "ENTRYPOINT");
        Assert.Equal(["dotnet", assembly + ".dll"], JsonSerializer.Deserialize<string[]>(entrypoint.Arguments) ?? []);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Restores_in_locked_mode_before_the_sources_are_copied(string file, string project)
    {
        var instructions = Dockerfile.Parse(Repo.Read(file)).Instructions.ToList();
        var restore = instructions.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        Assert.True(restore >= 0, "no dotnet restore step");
        Assert.Contains("--locked-mode", instructions[restore].Arguments, StringComparison.Ordinal);
        Assert.Contains(project, instructions[restore].Arguments, StringComparison.Ordinal);

        // In the restore stage, everything copied before restore is either build settings or the
        // project/lock-file skeleton from the "sources" stage, and the full sources come after it.
        var stageStart = instructions.FindLastIndex(restore, i => i.Keyword == "FROM");
        var copiesBefore = instructions.Skip(stageStart).Take(restore - stageStart).Where(i => i.Keyword == "COPY").ToList();
        Assert.Contains(copiesBefore, c => c.Arguments.Contains("global.json", StringComparison.Ordinal)
            && c.Arguments.Contains("Directory.Packages.props", StringComparison.Ordinal));
        Assert.All(copiesBefore, c => Assert.True(
            c.Arguments.Contains("--from=sources", StringComparison.Ordinal) || c.Arguments.Contains(".props", StringComparison.Ordinal),
            $"line {c.Line} copies sources before restore: {c.Arguments}"));
        var publish = instructions.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.True(publish > restore, "publish must come after restore");
        Assert.Contains("-c Release", instructions[publish].Arguments, StringComparison.Ordinal);
        Assert.Contains("--no-restore", instructions[publish].Arguments, StringComparison.Ordinal);
        Assert.Contains(instructions.Skip(restore).Take(publish - restore), i => i.Keyword == "COPY");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Copies_only_paths_that_exist_and_the_dockerignore_lets_in(string file, string project)
    {
        _ = project;
        var ignore = Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var copy in Dockerfile.Parse(Repo.Read(file)).All("COPY").Where(c => !c.Arguments.Contains("--from", StringComparison.Ordinal)))
        {
            var words = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var source in words.Take(words.Count - 1))
            {
                var path = source.TrimEnd('/');
                Assert.True(File.Exists(Repo.Path(path)) || Directory.Exists(Repo.Path(path)), $"{file} line {copy.Line}: {source} does not exist");
                var allowed = ignore.Where(r => r.StartsWith('!')).Select(r => r[1..]);
                Assert.True(
                    allowed.Any(a => a == path || a == path + "/**" || a.StartsWith(path + "/", StringComparison.Ordinal)),
                    $"{file} line {copy.Line}: .dockerignore keeps {source} out of the build context");
            }
        }
    }

    [Fact]
    public void Dockerignore_denies_by_default_and_keeps_build_output_out()
    {
        var rules = Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal("**", rules[0]);
        Assert.Contains("**/bin/", rules);
        Assert.Contains("**/obj/", rules);
        Assert.DoesNotContain(rules, r => r is "!.git" or "!.git/**" or "!.dev/**" or "!tests/**");
    }

    private const string Good = """
        ARG BASE_REGISTRY=mcr.microsoft.com
        FROM ${BASE_REGISTRY}/dotnet/sdk:10.0.401-noble@sha256:35d40304542c8689331f8cab17c65926cdf48fe711e289321d71924b230a7d29 AS build
        RUN dotnet publish
        FROM ${BASE_REGISTRY}/dotnet/aspnet:10.0.12-noble-chiseled@sha256:48e51f2f6798897be7ac4e775c049ed8fe60d3190f637e1f9c9dc7513efa659c
        LABEL org.opencontainers.image.source="x" \
              org.opencontainers.image.revision="${REVISION}" \
              org.opencontainers.image.title=shop \
              org.opencontainers.image.licenses="MIT" \
              org.opencontainers.image.version="1"
        COPY --from=build /app ./
        USER 1654
        ENTRYPOINT ["dotnet", "Shop.dll"]
        CMD ["web"]
        """;

    [Fact]
    public void The_good_example_passes() => Assert.Empty(DockerfileRules.Check(Dockerfile.Parse(Good)));

    [Theory]
    [InlineData("${BASE_REGISTRY}/dotnet/aspnet:10.0.12-noble-chiseled@sha256:48e51f2f6798897be7ac4e775c049ed8fe60d3190f637e1f9c9dc7513efa659c", "${BASE_REGISTRY}/dotnet/aspnet:10.0.12-noble-chiseled", "not pinned")]
    [InlineData("${BASE_REGISTRY}/dotnet/aspnet:10.0.12-noble-chiseled@sha256:48e51f2f6798897be7ac4e775c049ed8fe60d3190f637e1f9c9dc7513efa659c", "${BASE_REGISTRY}/dotnet/aspnet@sha256:48e51f2f6798897be7ac4e775c049ed8fe60d3190f637e1f9c9dc7513efa659c", "not pinned")]
    [InlineData("${BASE_REGISTRY}/dotnet/aspnet:10.0.12-noble-chiseled@sha256:48e51f2f6798897be7ac4e775c049ed8fe60d3190f637e1f9c9dc7513efa659c", "${BASE_REGISTRY}/dotnet/aspnet:latest@sha256:48e51f2f6798897be7ac4e775c049ed8fe60d3190f637e1f9c9dc7513efa659c", "not a version")]
    [InlineData("${BASE_REGISTRY}/dotnet/aspnet:10.0.12-noble-chiseled@sha256:48e51f2f6798897be7ac4e775c049ed8fe60d3190f637e1f9c9dc7513efa659c", "${BASE_REGISTRY}/dotnet/aspnet:10.0@sha256:48e51f", "not pinned")]
    [InlineData("FROM ${BASE_REGISTRY}/dotnet/aspnet", "FROM mcr.microsoft.com/dotnet/aspnet", "does not come through ${BASE_REGISTRY}")]
    [InlineData("RUN dotnet publish", "RUN dotnet restore x.csproj --locked-mode", "build secret 'nuget_config'")]
    [InlineData("RUN dotnet publish", "ARG NUGET_TOKEN=\nRUN dotnet publish", "looks like a credential")]
    [InlineData("COPY --from=build /app ./", "ENV FEED_PASSWORD=x\nCOPY --from=build /app ./", "looks like a credential")]
    [InlineData("USER 1654", "USER root", "not numeric")]
    [InlineData("USER 1654", "USER 0", "root")]
    [InlineData("USER 1654", "USER 0:0", "root")]
    [InlineData("USER 1654", "", "no USER")]
    [InlineData("org.opencontainers.image.revision=\"${REVISION}\" \\", "\\", "org.opencontainers.image.revision")]
    [InlineData("org.opencontainers.image.source=\"x\" \\", "\\", "org.opencontainers.image.source")]
    [InlineData("ENTRYPOINT [\"dotnet\", \"Shop.dll\"]", "ENTRYPOINT dotnet Shop.dll", "shell form")]
    [InlineData("ENTRYPOINT [\"dotnet\", \"Shop.dll\"]", "", "no ENTRYPOINT")]
    [InlineData("CMD [\"web\"]", "CMD web", "shell form")]
    public void Finds_the_mistake(string original, string replacement, string expected)
    {
        var problems = DockerfileRules.Check(Dockerfile.Parse(Good.Replace(original, replacement, StringComparison.Ordinal)));
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_user_set_only_in_the_build_stage_does_not_count()
    {
        var text = Good.Replace("USER 1654\n", "", StringComparison.Ordinal).Replace("RUN dotnet publish", "USER 1654\nRUN dotnet publish", StringComparison.Ordinal);
        Assert.Contains(DockerfileRules.Check(Dockerfile.Parse(text)), p => p.Contains("no USER", StringComparison.Ordinal));
    }

    [Fact]
    public void A_restore_that_reads_the_secret_NuGet_config_passes()
    {
        var text = Good.Replace(
            "RUN dotnet publish",
            "RUN --mount=type=secret,id=nuget_config,required=false \\\n    if [ -f /run/secrets/nuget_config ]; then set -- --configfile /run/secrets/nuget_config; fi; \\\n    dotnet restore x.csproj --locked-mode \"$@\"\nRUN dotnet publish",
            StringComparison.Ordinal);
        Assert.Empty(DockerfileRules.Check(Dockerfile.Parse(text)));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Base_images_resolve_to_the_pinned_upstream_by_default_and_to_a_mirror_when_asked(string file, string project)
    {
        _ = project;
        var dockerfile = Dockerfile.Parse(Repo.Read(file));
        var defaults = DockerfileRules.GlobalArgDefaults(dockerfile);
        Assert.Equal("mcr.microsoft.com", defaults[DockerfileRules.BaseRegistryArg]);
        var mirrored = new Dictionary<string, string>(defaults, StringComparer.Ordinal) { [DockerfileRules.BaseRegistryArg] = "mirror.example.com/mcr" };
        foreach (var from in dockerfile.All("FROM").Where(f => f.Arguments.Contains('/', StringComparison.Ordinal)))
        {
            Assert.StartsWith("mcr.microsoft.com/dotnet/", DockerfileRules.Expand(from.Arguments, defaults), StringComparison.Ordinal);
            var image = DockerfileRules.Expand(from.Arguments, mirrored).Split(' ')[0];
            Assert.StartsWith("mirror.example.com/mcr/dotnet/", image, StringComparison.Ordinal);
            Assert.Matches("@sha256:[0-9a-f]{64}$", image);
        }
    }
}
