using Xunit;

namespace OperatorModel.Tests;

/// <summary>Compares rendered text with a file under golden/; UPDATE_GOLDEN=1 rewrites the file instead (review the diff).</summary>
public static class Golden
{
    public static void Check(string relativePath, string actual, string what)
    {
        var golden = Path.Combine(Repo.Path("tests/OperatorModel.Tests/golden"), relativePath);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllText(golden, actual);
        }

        Assert.True(File.Exists(golden), $"{golden} is missing: run with UPDATE_GOLDEN=1 to create it");
        var expected = File.ReadAllText(golden);
        Assert.True(
            expected == actual,
            $"{what} differs from {golden}. If the change is intended: UPDATE_GOLDEN=1 dotnet test tests/OperatorModel.Tests --filter GoldenTests, then review the diff.\n--- rendered:\n{actual}");
    }
}
