using ShopOperator;
using ShopOperator.Kube;

namespace Operator.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"shop-{Guid.NewGuid():N}.yaml");

    public void Dispose() => File.Delete(_file);

    private (int Exit, string Stdout, string Stderr) Render(string yaml)
    {
        File.WriteAllText(_file, yaml);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = Cli.Render(["-f", _file], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private const string Valid = """
        apiVersion: shop.example.com/v1alpha1
        kind: ShopInstance
        metadata: { name: demo, namespace: shop-dev }
        spec:
          image: ghcr.io/example/shop@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
          host: shop.example.com
          web: { replicas: 2 }
          api: { replicas: 2 }
          database:
            connectionSecretRef: { name: shop-db, key: connectionString }
            egress: { cidr: 10.0.0.0/16 }
        """;

    [Fact]
    public void Render_prints_every_child_as_yaml_without_secret_values()
    {
        var (exit, stdout, stderr) = Render(Valid);

        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        var docs = JsonYaml.FromYaml(stdout);
        Assert.Equal(13, docs.Count);
        Assert.Equal(2, docs.Count(d => d["kind"]!.GetValue<string>() == "Deployment"));
        var secret = Assert.Single(docs, d => d["kind"]!.GetValue<string>() == "Secret");
        Assert.Null(secret["data"]);
        Assert.All(docs, d => Assert.Equal("shop-operator", d["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("ghcr.io/example/shop:latest", "pin")]
    [InlineData("ghcr.io/example/shop@sha256:abc", "digest")]
    public void Render_rejects_an_image_that_is_not_a_digest_with_exit_code_2(string image, string expected)
    {
        var (exit, stdout, stderr) = Render(Valid.Replace("ghcr.io/example/shop@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", image, StringComparison.Ordinal));

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("spec.image", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("not: [valid")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }")]
    public void Render_rejects_other_input_with_a_message_and_exit_code_2(string yaml)
    {
        var (exit, _, stderr) = Render(yaml);

        Assert.Equal(2, exit);
        Assert.StartsWith("render:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_without_a_file_shows_usage()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, Cli.Render([], TextWriter.Null, stderr));
        Assert.Contains("usage", stderr.ToString(), StringComparison.Ordinal);
    }
}

public sealed class CrdTests
{
    [Fact]
    public void Crd_prints_a_structural_schema_with_the_rules_it_can_carry()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, Cli.Crd(stdout));

        var crd = Assert.Single(JsonYaml.FromYaml(stdout.ToString()));
        Assert.Equal("shopinstances.shop.example.com", crd["metadata"]!["name"]!.GetValue<string>());
        var version = crd["spec"]!["versions"]![0]!;
        Assert.NotNull(version["subresources"]!["status"]);
        var spec = version["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;
        Assert.Equal(ShopOperator.Model.Patterns.DigestImage, spec["properties"]!["image"]!["pattern"]!.GetValue<string>());
        Assert.Contains("image", spec["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal("Retain", spec["properties"]!["database"]!["properties"]!["provision"]!["properties"]!["deletionPolicy"]!["default"]!.GetValue<string>());
        Assert.Equal(100, spec["properties"]!["web"]!["properties"]!["replicas"]!["maximum"]!.GetValue<int>());
        Assert.Contains(version["additionalPrinterColumns"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "Ready");
        var status = version["schema"]!["openAPIV3Schema"]!["properties"]!["status"]!["properties"]!;
        foreach (var field in new[] { "observedGeneration", "conditions", "url", "servingImage", "rolloutImage", "failedImage", "web", "api", "history" })
        {
            Assert.NotNull(status[field]);
        }
    }
}
