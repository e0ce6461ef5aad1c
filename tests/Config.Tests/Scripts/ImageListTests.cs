using System.Text.Json.Nodes;
using Config.Tests.Manifests;
using Xunit;

namespace Config.Tests.Scripts;

/// <summary>
/// `make image-list` (build/image-list.sh) is what an air-gapped install mirrors (docs/air-gapped.md): if an image
/// the rendered install runs were missing from it, the install would fail to pull behind the mirror.
/// </summary>
[Collection(KustomizeFixture.Collection)]
public sealed class ImageListTests(KustomizeFixture fixture)
{
    [SkippableFact]
    public async Task Lists_every_image_the_rendered_install_runs_each_by_digest()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        Skip.IfNot(Repo.CrdGenerated, $"{Repo.CrdFile} is not generated yet (shop-operator crd)");
        var result = await Processes.RunAsync("bash", [Repo.Path("build/image-list.sh")], timeout: TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, result.StdErr);
        var listed = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        Assert.All(listed, image => Assert.Matches("^[^@ ]+@sha256:[0-9a-f]{64}$", image));

        // config/environments/base is never installed alone (its digest is a placeholder each environment replaces).
        var rendered = fixture.All.Where(m => m.Source != "config/environments/base").SelectMany(m => ImagesOf(m.Json).Select(image => (m, image))).ToList();
        Assert.Contains(rendered, r => r.m.Kind == "Deployment");
        Assert.Contains(rendered, r => r.m.Kind == "ShopInstance");
        var missing = rendered.Where(r => !listed.Contains(r.image)).Select(r => $"{r.m}: {r.image}").Distinct().ToList();
        Assert.True(missing.Count == 0, "not in make image-list:\n" + string.Join('\n', missing));

        // The build's base images too: a rebuild behind the mirror needs them.
        foreach (var dockerfile in new[] { "Dockerfile.shop", "Dockerfile.operator" })
        {
            var parsed = Docker.Dockerfile.Parse(Repo.Read(dockerfile));
            var defaults = Docker.DockerfileRules.GlobalArgDefaults(parsed);
            foreach (var from in parsed.All("FROM").Where(f => f.Arguments.Contains('/', StringComparison.Ordinal)))
            {
                Assert.Contains(Docker.DockerfileRules.Expand(from.Arguments, defaults).Split(' ')[0], listed);
            }
        }
    }

    [SkippableFact]
    public async Task A_mirror_registry_for_base_images_is_reflected_in_the_list()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        Skip.IfNot(Repo.CrdGenerated, $"{Repo.CrdFile} is not generated yet (shop-operator crd)");
        var result = await Processes.RunAsync(
            "bash",
            [Repo.Path("build/image-list.sh")],
            environment: new Dictionary<string, string?> { ["BASE_REGISTRY"] = "mirror.example.com/mcr" },
            timeout: TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains(result.StdOut.Split('\n'), l => l.StartsWith("mirror.example.com/mcr/dotnet/aspnet:", StringComparison.Ordinal));
        Assert.DoesNotContain(result.StdOut.Split('\n'), l => l.StartsWith("mcr.microsoft.com/", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task An_images_rewrite_overlay_points_at_the_mirror_and_keeps_the_digest()
    {
        // docs/air-gapped.md step 3: an overlay with only newName keeps the environment's digest.
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var root = Directory.CreateTempSubdirectory("airgap-").FullName;
        try
        {
            CopyDirectory(Repo.Path("config/environments"), Path.Combine(root, "environments"));
            var overlay = Path.Combine(root, "environments", "prod-airgapped");
            Directory.CreateDirectory(overlay);
            await File.WriteAllTextAsync(Path.Combine(overlay, "kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - ../prod
                images:
                  - name: ghcr.io/example/shop
                    newName: registry.internal.example.com/example/shop
                """);
            var prod = fixture.Build("config/environments/prod").Objects.Single(m => m.Kind == "ShopInstance");
            var digest = ((string?)prod.Json["spec"]?["image"] ?? "").Split('@')[1];
            var result = await Processes.RunAsync("kubectl", ["kustomize", overlay], timeout: TimeSpan.FromSeconds(90));
            Assert.True(result.ExitCode == 0, result.StdErr);
            Assert.Contains("image: registry.internal.example.com/example/shop@" + digest, result.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Container images of any pod template, and a ShopInstance's spec.image (the operator runs every tier from it).</summary>
    private static IEnumerable<string> ImagesOf(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if ((string?)obj["kind"] == "ShopInstance" && (string?)obj["spec"]?["image"] is { } shopImage)
                {
                    yield return shopImage;
                }

                foreach (var (key, value) in obj)
                {
                    if (key is "containers" or "initContainers" or "ephemeralContainers" && value is JsonArray containers)
                    {
                        foreach (var image in containers.Select(c => (string?)c?["image"]).OfType<string>())
                        {
                            yield return image;
                        }
                    }
                    else
                    {
                        foreach (var image in ImagesOf(value))
                        {
                            yield return image;
                        }
                    }
                }

                break;
            case JsonArray array:
                foreach (var image in array.SelectMany(ImagesOf))
                {
                    yield return image;
                }

                break;
        }
    }
}
