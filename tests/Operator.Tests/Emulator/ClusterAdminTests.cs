using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>Issue 11's cluster-admin situations against the emulator (the same bodies run on k3s: K3s/K3sEndToEndTests).</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ClusterAdminTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private static string Ns(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    [Fact]
    public Task A_foreign_object_in_a_childs_place_is_reported_by_name_with_an_Event_and_never_adopted() =>
        ClusterAdminScenarios.ForeignChildIsReportedAndNotAdoptedAsync(fixture.Cluster.Config, Ns("squat"), output, TimeSpan.FromSeconds(20));

    [Fact]
    public Task Fields_the_operator_stops_applying_disappear_and_an_admins_annotation_stays() =>
        ClusterAdminScenarios.RemovedFieldsDisappearAsync(fixture.Cluster.Config, Ns("removed"), output, TimeSpan.FromSeconds(20));

    [Fact]
    public Task An_HPAs_replicas_are_kept_while_spec_replicas_is_unset_and_an_explicit_count_wins() =>
        ClusterAdminScenarios.UnsetReplicasAreLeftToAnotherManagerAsync(fixture.Cluster.Config, Ns("hpa"), output, TimeSpan.FromSeconds(20));

    [Fact]
    public async Task A_missing_connection_Secret_is_named_and_its_late_arrival_heals_the_shop_within_seconds()
    {
        var elapsed = await ClusterAdminScenarios.LateSecretHealsTheShopAsync(fixture.Cluster.Config, Ns("late"), output, TimeSpan.FromSeconds(20));
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"Ready {elapsed.TotalMilliseconds:F0} ms after the Secret was created");
    }
}
