namespace Operator.Tests;

/// <summary>Starts the cluster the scenario tests run against.</summary>
public static class EmulatorHarness
{
    public static async Task<IClusterHarness> StartAsync() => await MiniApi.MiniApiServer.StartAsync();
}
