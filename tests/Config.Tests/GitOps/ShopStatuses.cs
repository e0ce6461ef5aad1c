using System.Text.Json;
using System.Text.Json.Nodes;

namespace Config.Tests.GitOps;

/// <summary>What a GitOps tool should make of a ShopInstance status the operator writes.</summary>
/// <param name="Name">The case, as the test runner shows it.</param>
/// <param name="Shop">The ShopInstance with its status.</param>
/// <param name="Argo">The Argo CD health (shopinstance-health.lua).</param>
/// <param name="ArgoMessage">A part of the Argo CD health message.</param>
/// <param name="Flux">Flux's verdict with our healthCheckExprs: Current, InProgress or Failed.</param>
/// <param name="Kstatus">kstatus' generic rules alone (Flux without healthCheckExprs).</param>
public sealed record ShopStatusCase(string Name, JsonObject Shop, string Argo, string ArgoMessage, string Flux, string Kstatus)
{
    public override string ToString() => Name;
}

/// <summary>
/// ShopInstances in the states the operator writes (conditions and reasons of docs/architecture.md and
/// operator/README.md), shared by the Argo CD Lua tests and the Flux tests.
/// </summary>
public static class ShopStatuses
{
    public static IReadOnlyList<ShopStatusCase> All { get; } =
    [
        new("healthy", Shop(3, false, Status(3, ("Ready", "True", "Available", "every tier runs abc and is available"), ("Reconciling", "False", "Available", ""), ("Stalled", "False", "Available", ""), ("DatabaseReady", "True", "Provisioned", "role and database exist"))),
            "Healthy", "every tier runs abc", "Current", "Current"),
        new("rolling out", Shop(3, false, Status(3, ("Ready", "False", "RollingOutApi", "api 1/2 updated"), ("Reconciling", "True", "RollingOutApi", "api 1/2 updated"), ("Stalled", "False", "RollingOutApi", ""))),
            "Progressing", "RollingOutApi: api 1/2 updated", "InProgress", "InProgress"),
        new("rollout failed", Shop(3, false, Status(3, ("Ready", "False", "RolloutFailed", "rolled back to def"), ("Reconciling", "False", "RolloutFailed", "not retried"), ("Stalled", "True", "RolloutFailed", "pods of abc never became ready; rolled back"))),
            "Degraded", "RolloutFailed: pods of abc never became ready", "Failed", "Failed"),
        new("invalid spec", Shop(2, false, Status(2, ("Ready", "False", "InvalidSpec", "spec.host is not a DNS name"), ("Stalled", "True", "InvalidSpec", "spec.host is not a DNS name"))),
            "Degraded", "InvalidSpec", "Failed", "Failed"),
        new("stale observedGeneration", Shop(4, false, Status(3, ("Ready", "True", "Available", "old spec is available"), ("Stalled", "False", "Available", ""))),
            "Progressing", "generation 4", "InProgress", "InProgress"),
        new("stalled but a newer spec is not observed yet", Shop(5, false, Status(4, ("Stalled", "True", "RolloutFailed", "x"))),
            "Progressing", "generation 5", "InProgress", "InProgress"),
        new("suspended", Shop(3, true, Status(3, ("Ready", "True", "Available", ""), ("Reconciling", "False", "Suspended", "spec.suspend is true"))),
            "Suspended", "suspend", "Current", "Current"),
        new("no status yet", Shop(1, false, null),
            "Progressing", "Waiting for the operator", "InProgress", "Current"),
        new("status without observedGeneration", Shop(1, false, """{"conditions":[]}"""),
            "Progressing", "Waiting for the operator", "InProgress", "Current"),
        new("not ready, nothing else said", Shop(1, false, Status(1, ("Ready", "False", "Deploying", "creating children"))),
            "Progressing", "Deploying: creating children", "InProgress", "Current"),
        new("database down", Shop(2, false, Status(2, ("Ready", "False", "DatabaseNotReady", "the database is not ready: ServerUnreachable"), ("Reconciling", "False", "DatabaseNotReady", ""), ("Stalled", "False", "DatabaseNotReady", ""), ("DatabaseReady", "False", "ServerUnreachable", "cannot connect to 10.0.0.5:5432"))),
            "Degraded", "ServerUnreachable: cannot connect", "InProgress", "Current"),
        new("database down, Ready not yet folding it in", Shop(2, false, Status(2, ("Ready", "True", "Available", "every tier is available"), ("Stalled", "False", "Available", ""), ("DatabaseReady", "False", "AuthenticationFailed", "password authentication failed"))),
            "Degraded", "AuthenticationFailed", "Current", "Current"),
        new("Ready=False DatabaseNotReady without a DatabaseReady condition", Shop(2, false, Status(2, ("Ready", "False", "DatabaseNotReady", "waiting for the database"), ("Stalled", "False", "DatabaseNotReady", ""))),
            "Degraded", "DatabaseNotReady: waiting for the database", "InProgress", "Current"),
        new("database busy", Shop(2, false, Status(2, ("Ready", "False", "DatabaseNotReady", "provisioning"), ("Reconciling", "True", "DatabaseNotReady", "provisioning"), ("DatabaseReady", "False", "Busy", "another provisioning holds the lock"))),
            "Progressing", "Busy", "InProgress", "InProgress"),
    ];

    private static JsonObject Shop(long generation, bool suspend, string? status) =>
        JsonNode.Parse($$"""
            {
              "apiVersion": "shop.example.com/v1alpha1",
              "kind": "ShopInstance",
              "metadata": { "name": "shop", "namespace": "shop-dev", "generation": {{generation}} },
              "spec": { "image": "ghcr.io/example/shop@sha256:{{new string('a', 64)}}", "host": "dev.shop.example.com", "suspend": {{(suspend ? "true" : "false")}} }
              {{(status is null ? "" : ", \"status\": " + status)}}
            }
            """)!.AsObject();

    private static string Status(long observed, params (string Type, string Status, string Reason, string Message)[] conditions) =>
        JsonSerializer.Serialize(new
        {
            observedGeneration = observed,
            conditions = conditions.Select(c => new { type = c.Type, status = c.Status, reason = c.Reason, message = c.Message, observedGeneration = observed, lastTransitionTime = "2026-01-01T00:00:00Z" }),
            url = "https://dev.shop.example.com",
        });
}
