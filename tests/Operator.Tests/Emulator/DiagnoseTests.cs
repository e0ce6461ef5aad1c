using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>`shop-operator diagnose` against the emulator, whose pods and EndpointSlices follow their inputs (the same bodies run on k3s).</summary>
[Collection(EmulatorCollection.Name)]
public sealed class DiagnoseTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private static string Ns(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    [Fact]
    public Task A_healthy_shop_passes_every_step() =>
        DiagnoseScenarios.HealthyShopPassesEveryStepAsync(fixture.Cluster.Config, Ns("diag-ok"), output, TimeSpan.FromSeconds(30));

    [Fact]
    public Task A_connection_Secret_without_its_key_is_named() =>
        DiagnoseScenarios.MissingSecretKeyIsNamedAsync(fixture.Cluster.Config, Ns("diag-key"), output, TimeSpan.FromSeconds(30));
}
