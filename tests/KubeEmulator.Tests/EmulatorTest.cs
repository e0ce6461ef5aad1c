using k8s;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// A test class against its own in-process emulator: xunit makes one instance per test, so every test gets a fresh
/// emulator, started with the class's options and disposed with whatever clients the test used.
/// </summary>
public abstract class EmulatorTest(EmulatorOptions? options = null) : IAsyncLifetime
{
    private HttpClient? _http;
    private Kubernetes? _client;
    private EmulatorApi? _api;

    protected EmulatorHost Emulator { get; private set; } = null!;

    /// <summary>Raw HTTP to the emulator (no authentication: cluster-admin).</summary>
    protected HttpClient Http => _http ??= new HttpClient { BaseAddress = Emulator.BaseUri };

    /// <summary>The KubernetesClient library, as the operator uses it.</summary>
    protected Kubernetes Client => _client ??= new Kubernetes(Emulator.ClientConfiguration);

    /// <summary>Raw HTTP with JSON helpers and an optional bearer token.</summary>
    internal EmulatorApi Api => _api ??= new EmulatorApi(Emulator);

    public virtual async Task InitializeAsync() =>
        Emulator = await EmulatorHost.StartAsync(options ?? new EmulatorOptions(), CancellationToken.None);

    public virtual async Task DisposeAsync()
    {
        _api?.Dispose();
        _client?.Dispose();
        _http?.Dispose();
        await Emulator.DisposeAsync();
    }
}
