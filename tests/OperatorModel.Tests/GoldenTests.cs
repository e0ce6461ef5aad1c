using ShopOperator;
using Xunit;

namespace OperatorModel.Tests;

/// <summary>
/// The rendered children of every sample in config/samples, compared with golden/&lt;sample&gt;.yaml.
/// After an intended change to the children, refresh them with
/// <c>UPDATE_GOLDEN=1 dotnet test tests/OperatorModel.Tests --filter GoldenTests</c> and review the diff.
/// </summary>
public sealed class GoldenTests
{
    public static TheoryData<string> Samples => new(SampleFiles());

    /// <summary>Relative to config/samples, including provision/ (which kubectl apply -f config/samples/ does not descend into).</summary>
    private static List<string> SampleFiles() =>
        [.. Directory.EnumerateFiles(Repo.Path("config/samples"), "shopinstance-*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repo.Path("config/samples"), f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Render_of_each_sample_matches_its_golden_file(string sample)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = Cli.Render(["-f", Repo.Path("config/samples/" + sample)], stdout, stderr);
        Assert.True(exit == 0, $"render {sample} failed: {stderr}");

        Golden.Check(Path.GetFileName(sample), stdout.ToString(), $"render of config/samples/{sample}");
    }

    [Fact]
    public void There_are_a_minimal_and_a_full_sample_and_no_kustomization_in_samples()
    {
        Assert.Contains("shopinstance-minimal.yaml", SampleFiles());
        Assert.Contains("shopinstance-full.yaml", SampleFiles());
        Assert.Contains("provision/shopinstance-provisioned.yaml", SampleFiles());

        // kubectl apply -f config/samples/ would try to apply a kustomization.yaml as an object.
        Assert.False(File.Exists(Repo.Path("config/samples/kustomization.yaml")));
    }

    [Fact]
    public void Applying_the_samples_folder_in_name_order_creates_the_namespace_and_secret_first()
    {
        var files = Directory.EnumerateFiles(Repo.Path("config/samples"), "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        var kinds = files.Select(f => ShopOperator.Kube.JsonYaml.FromYaml(File.ReadAllText(Repo.Path("config/samples/" + f))).Single()["kind"]!.GetValue<string>()).ToList();

        Assert.Equal("Namespace", kinds[0]);
        Assert.True(kinds.IndexOf("Secret") < kinds.IndexOf("ShopInstance"), string.Join(", ", files));
    }
}
