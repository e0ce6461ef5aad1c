using Config.Tests.Manifests;
using Xunit;

namespace Config.Tests.GitOps;

[Collection(KustomizeFixture.Collection)]
public sealed class GitOpsTests(KustomizeFixture fixture)
{
    [SkippableFact]
    public void Every_Argo_CD_Application_points_at_a_kustomization_in_this_repository()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var apps = fixture.Build("config/gitops/argocd").Objects.Where(m => m.Kind == "Application").ToList();
        Assert.Equal(4, apps.Count);
        foreach (var app in apps)
        {
            var path = (string)app.Json["spec"]!["source"]!["path"]!;
            Assert.True(File.Exists(Repo.Path(Path.Combine(path, "kustomization.yaml"))), $"{app}: {path} has no kustomization.yaml");
            Assert.Equal("main", (string?)app.Json["spec"]!["source"]!["targetRevision"]);
            Assert.NotNull(app.Json["spec"]!["syncPolicy"]!["automated"]);
        }
    }

    [SkippableFact]
    public void Every_Flux_Kustomization_waits_for_health_and_points_at_this_repository()
    {
        Skip.IfNot(fixture.KubectlAvailable, "kubectl is not installed");
        var kustomizations = fixture.Build("config/gitops/flux").Objects.Where(m => m.Kind == "Kustomization").ToList();
        Assert.Equal(4, kustomizations.Count);
        foreach (var k in kustomizations)
        {
            var path = ((string)k.Json["spec"]!["path"]!).TrimStart('.', '/');
            Assert.True(File.Exists(Repo.Path(Path.Combine(path, "kustomization.yaml"))), $"{k}: {path} has no kustomization.yaml");
            if (path.StartsWith("config/environments/", StringComparison.Ordinal))
            {
                var env = path["config/environments/".Length..];
                var check = k.Json["spec"]!["healthChecks"]!.AsArray().Single()!;
                Assert.Equal("ShopInstance", (string?)check["kind"]);
                Assert.Equal("shop", (string?)check["name"]);
                Assert.Equal($"shop-{env}", (string?)check["namespace"]);
                Assert.Equal("shop-operator", (string?)k.Json["spec"]!["dependsOn"]!.AsArray().Single()!["name"]);
            }
            else
            {
                Assert.True(k.Json["spec"]!["wait"]!.GetValue<bool>());
            }
        }
    }
}
