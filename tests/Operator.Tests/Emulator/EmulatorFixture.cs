namespace Operator.Tests;

/// <summary>One emulator for the whole collection; tests use their own namespaces and operators.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    private IClusterHarness? _cluster;

    public IClusterHarness Cluster => _cluster ?? throw new InvalidOperationException("emulator not started");

    public async Task InitializeAsync()
    {
        _cluster = await EmulatorHarness.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
