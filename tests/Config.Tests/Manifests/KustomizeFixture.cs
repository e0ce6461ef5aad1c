using Xunit;

namespace Config.Tests.Manifests;

public sealed record KustomizeBuild(string Directory, ProcessResult Result, IReadOnlyList<Manifest> Objects);

/// <summary>Builds every kustomization under config/ once (kubectl kustomize) for all tests of the collection.</summary>
public sealed class KustomizeFixture : IAsyncLifetime
{
    public const string Collection = "kustomize";

    public IReadOnlyList<KustomizeBuild> Builds { get; private set; } = [];

    public bool KubectlAvailable { get; } = Processes.OnPath("kubectl");

    public IEnumerable<Manifest> All => Builds.SelectMany(b => b.Objects);

    public KustomizeBuild Build(string directory) =>
        Builds.Single(b => b.Directory == directory);

    /// <summary>
    /// Every directory under config/ holding a kustomization.yaml, relative to the root; kustomize Components are
    /// left out (they only build as part of a kustomization that lists them).
    /// </summary>
    public static IReadOnlyList<string> KustomizationDirectories() =>
        Directory.EnumerateFiles(Repo.Path("config"), "kustomization.yaml", SearchOption.AllDirectories)
            .Where(f => !File.ReadLines(f).Any(l => l.Trim() == "kind: Component"))
            .Select(f => Path.GetRelativePath(Repo.Root, Path.GetDirectoryName(f)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Kustomizations that load the generated CRD cannot build before it exists.</summary>
    public static bool NeedsCrd(string directory) =>
        directory is "config/crd" or "config/default";

    public async Task InitializeAsync()
    {
        if (!KubectlAvailable)
        {
            return;
        }

        var directories = KustomizationDirectories().Where(d => Repo.CrdGenerated || !NeedsCrd(d)).ToList();
        Builds = await Task.WhenAll(directories.Select(BuildAsync));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<KustomizeBuild> BuildAsync(string directory)
    {
        var result = await Processes.RunAsync("kubectl", ["kustomize", directory], timeout: TimeSpan.FromSeconds(90));
        var objects = result.ExitCode == 0
            ? YamlJson.LoadAll(result.StdOut).Select(n => new Manifest(directory, n!.AsObject())).ToList()
            : [];
        return new KustomizeBuild(directory, result, objects);
    }
}

[CollectionDefinition(KustomizeFixture.Collection)]
public sealed class KustomizeCollection : ICollectionFixture<KustomizeFixture>;
