namespace Config.Tests;

/// <summary>Paths in the repository under test. CONFIG_TESTS_REPO_ROOT points the tests at another checkout.</summary>
public static class Repo
{
    public const string CrdFile = "crds/shop.example.com_shopinstances.yaml";

    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(Path(relative));

    public static bool CrdGenerated => File.Exists(Path(CrdFile));

    /// <summary>
    /// Every directory under config/ holding a kustomization.yaml, relative to the root; kustomize Components are
    /// left out (they only build as part of a kustomization that lists them).
    /// </summary>
    public static IReadOnlyList<string> KustomizationDirectories() =>
        Directory.EnumerateFiles(Path("config"), "kustomization.yaml", SearchOption.AllDirectories)
            .Where(f => !File.ReadLines(f).Any(l => l.Trim() == "kind: Component"))
            .Select(f => System.IO.Path.GetRelativePath(Root, System.IO.Path.GetDirectoryName(f)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("CONFIG_TESTS_REPO_ROOT") is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ShopOperator.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ShopOperator.slnx not found above " + AppContext.BaseDirectory);
    }
}
