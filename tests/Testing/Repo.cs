namespace Testing;

/// <summary>Paths in the repository under test. TESTS_REPO_ROOT points the tests at another checkout.</summary>
public static class Repo
{
    public const string CrdFile = "crds/shop.example.com_shopinstances.yaml";

    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(Path(relative));

    public static bool CrdGenerated => File.Exists(Path(CrdFile));

    /// <summary>
    /// Copies a file or directory of the checkout to <paramref name="to"/>, leaving out build output (bin/, obj/, as
    /// .dockerignore does), so a test can build from its own copy without touching the checkout's build.
    /// </summary>
    public static void CopySource(string from, string to)
    {
        if (File.Exists(from))
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(to)!);
            File.Copy(from, to, overwrite: true);
            return;
        }

        foreach (var path in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = System.IO.Path.GetRelativePath(from, path);
            if (relative.Split(System.IO.Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or ".vs" or "node_modules"))
            {
                continue;
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.Combine(to, relative))!);
            File.Copy(path, System.IO.Path.Combine(to, relative), overwrite: true);
        }
    }

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("TESTS_REPO_ROOT") is { Length: > 0 } fromEnv)
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
