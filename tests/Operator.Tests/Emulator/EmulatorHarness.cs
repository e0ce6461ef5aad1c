using System.Text.Json.Nodes;
using k8s;
using KubeEmulator;
using ShopOperator.Kube;

namespace Operator.Tests;

/// <summary>
/// The project's Kubernetes API emulator (tests/KubeEmulator), in-process on 127.0.0.1, with the operator's
/// CustomResourceDefinition installed from the same C# the operator generates it from.
/// </summary>
public sealed class EmulatorHarness : IClusterHarness
{
    private const string FaultsNamespace = "kube-system";
    private const string FaultsConfigMap = "emulator-faults";

    private readonly EmulatorHost _host;
    private readonly KubeApi _api;

    private EmulatorHarness(EmulatorHost host)
    {
        _host = host;
        _api = new KubeApi(new Kubernetes(host.ClientConfiguration));
    }

    public KubernetesClientConfiguration Config => _host.ClientConfiguration;

    public long WriteRequests => _host.RequestCounts.Writes;

    public long AllRequests => _host.RequestCounts.Total;

    public EmulatorHost Host => _host;

    /// <summary>150 ms before the emulated deployment controller reports a Deployment available.</summary>
    public static TimeSpan DeploymentControllerDelay { get; } = TimeSpan.FromMilliseconds(150);

    public static async Task<IClusterHarness> StartAsync() => await StartAsync(new EmulatorOptions { DeploymentControllerDelay = DeploymentControllerDelay });

    /// <summary>An emulator with these options (for example <see cref="EmulatorOptions.Rbac"/>) and the CRD installed.</summary>
    public static async Task<EmulatorHarness> StartAsync(EmulatorOptions options)
    {
        var host = await EmulatorHost.StartAsync(options, CancellationToken.None);
        var harness = new EmulatorHarness(host);
        await harness._api.CreateAsync(Crd, null, ShopOperator.Model.CrdGenerator.Build(), CancellationToken.None);
        return harness;
    }

    private static ResourceKind Crd { get; } = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition");

    private static ResourceKind ConfigMap { get; } = new("", "v1", "configmaps", "ConfigMap");

    public long Counts(string verb, string resource) => _host.RequestCounts.Get(verb, resource);

    public long Counts(string verb, string resource, int status) => _host.RequestCounts.Get(verb, resource, status);

    public void FailNext(string verb, string resource, int status, int count) => _host.Faults.FailNext(verb, resource, status, count);

    public void CloseWatches() => _host.Faults.CloseAllWatches();

    public void CompactHistory() => _host.Faults.CompactHistory();

    public async Task SetFailingImagesAsync(params string[] images)
    {
        var data = string.Join('\n', images);
        var existing = await TryGetAsync();
        if (existing is null)
        {
            await _api.CreateAsync(ConfigMap, FaultsNamespace, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["metadata"] = new JsonObject { ["name"] = FaultsConfigMap, ["namespace"] = FaultsNamespace },
                ["data"] = new JsonObject { ["failingImages"] = data },
            }, CancellationToken.None);
            return;
        }

        existing["data"] = new JsonObject { ["failingImages"] = data };
        await _api.ReplaceAsync(ConfigMap, FaultsNamespace, FaultsConfigMap, existing, CancellationToken.None);
    }

    private async Task<JsonObject?> TryGetAsync()
    {
        try
        {
            return await _api.GetAsync(ConfigMap, FaultsNamespace, FaultsConfigMap, CancellationToken.None);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
