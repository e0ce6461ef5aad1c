using System.Text.Json.Nodes;
using ShopOperator.Diagnose;
using ShopOperator.Model;

namespace Operator.Tests.Diagnose;

/// <summary>
/// The shop's own Ready message (issue 15, "the operator's own status uses the same checks, cheaply"): it starts with
/// the failing step of the diagnose flow and what fails there, keeps the planner's message, and ends with the command.
/// </summary>
public sealed class ReadyDiagnosisTests
{
    private const string Hint = "; run `kubectl shop diagnose demo -n shop-dev`";

    private static ShopInstanceStatus NotReady(string reason, string message, bool databaseReady = true) => new()
    {
        ObservedGeneration = 2,
        Conditions =
        [
            new Condition { Type = ConditionSet.Ready, Status = ConditionStatus.False, Reason = reason, Message = message },
            new Condition { Type = ConditionSet.DatabaseReady, Status = databaseReady ? ConditionStatus.True : ConditionStatus.False, Reason = databaseReady ? "ExternalSecret" : ReadyReasons.SecretMissing, Message = "Secret shop-db (spec.database.connectionSecretRef) has no key connectionString" },
        ],
    };

    /// <summary>What the reconciler hands over: the snapshot's cached objects, and its pods only when <paramref name="podsRead"/>.</summary>
    private static ReadyEvidence Evidence(ClusterSnapshot snapshot, bool podsRead = true, IReadOnlyList<ApplyFailure>? failures = null)
    {
        var parsed = ParsedShop.Parse(snapshot.Shop);
        return new ReadyEvidence(
            parsed,
            DesiredState.Build(parsed.Shop!, Snapshots.Image, Snapshots.Image),
            failures ?? [],
            snapshot.Deployments,
            snapshot.Ingresses.SingleOrDefault(),
            snapshot.Secrets,
            podsRead ? snapshot.Pods : null,
            Snapshots.Now);
    }

    private static string ReadyMessage(ShopInstanceStatus status) => ConditionSet.Find(status.Conditions, ConditionSet.Ready)!.Message!;

    private static ClusterSnapshot WithoutKey(ClusterSnapshot snapshot) => snapshot with
    {
        Secrets = new Dictionary<string, SecretKeys>(StringComparer.Ordinal) { ["shop-db"] = new("shop-db", new HashSet<string>(["url"], StringComparer.Ordinal)) },
    };

    private static void Available(ClusterSnapshot snapshot)
    {
        foreach (var deployment in snapshot.Deployments)
        {
            deployment["status"] = new JsonObject { ["replicas"] = 2, ["readyReplicas"] = 2, ["availableReplicas"] = 2, ["updatedReplicas"] = 2 };
        }
    }

    [Fact]
    public void A_missing_secret_key_with_pods_read_names_PodsReady_and_the_waiting_reason()
    {
        const string Waiting = "couldn't find key connectionString in Secret shop-dev/shop-db";
        var snapshot = WithoutKey(Snapshots.Healthy()).WithBrokenPod("api", Snapshots.Waiting("CreateContainerConfigError", Waiting));
        var planned = "the database is not ready (SecretMissing): Secret shop-db (spec.database.connectionSecretRef) has no key connectionString; the shop heals when it is created";

        var message = ReadyMessage(ReadyDiagnosis.Annotate(NotReady(ReadyReasons.DatabaseNotReady, planned, databaseReady: false), Evidence(snapshot)));

        Assert.StartsWith($"PodsReady: api: pod demo-api-5d8f7c-0 container shop CreateContainerConfigError: {Waiting}; {planned}", message, StringComparison.Ordinal);
        Assert.EndsWith(Hint, message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_removed_under_running_pods_names_Dependencies_from_the_cache_alone()
    {
        var snapshot = WithoutKey(Snapshots.Healthy());
        Available(snapshot);

        var message = ReadyMessage(ReadyDiagnosis.Annotate(NotReady(ReadyReasons.DatabaseNotReady, "the database is not ready (SecretMissing): …", databaseReady: false), Evidence(snapshot, podsRead: false)));

        Assert.StartsWith("Dependencies: database Secret shop-db has no key connectionString (keys: url); the database is not ready", message, StringComparison.Ordinal);
        Assert.EndsWith(Hint, message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_crashing_image_names_PodsReady_with_CrashLoopBackOff_restarts_and_last_exit()
    {
        var terminated = new JsonObject { ["terminated"] = new JsonObject { ["reason"] = "Error", ["exitCode"] = 1 } };
        var snapshot = Snapshots.Healthy().WithBrokenPod("api", Snapshots.Waiting("CrashLoopBackOff", "back-off 40s restarting failed container"), terminated, restarts: 5);

        var message = ReadyMessage(ReadyDiagnosis.Annotate(NotReady("RolloutFailed", "rollout of … failed on the api tier"), Evidence(snapshot)));

        Assert.StartsWith("PodsReady: api: pod demo-api-5d8f7c-0 container shop CrashLoopBackOff, 5 restarts, last exit Error (code 1); rollout of … failed on the api tier", message, StringComparison.Ordinal);
        Assert.EndsWith(Hint, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_pods_a_rollout_in_progress_names_PodsReady_with_the_Deployments_counts()
    {
        var snapshot = Snapshots.Healthy();
        Available(snapshot);
        snapshot.Deployments.Single(d => (string?)d["metadata"]!["name"] == "demo-api")["status"]!["readyReplicas"] = 1;

        var message = ReadyMessage(ReadyDiagnosis.Annotate(NotReady("RollingOutApi", "rolling out … to the api tier"), Evidence(snapshot, podsRead: false)));

        Assert.Equal("PodsReady: api: 1/2 pods Ready (Deployment demo-api); rolling out … to the api tier" + Hint, message);
    }

    [Theory]
    [InlineData("Ingress", "demo", "IngressRoutes")]
    [InlineData("HTTPRoute", "demo", "IngressRoutes")]
    [InlineData("Service", "demo-web", "ServiceEndpoints")]
    [InlineData("Deployment", "demo-web", "PodsReady")]
    [InlineData("NetworkPolicy", "demo-api", "Dependencies")]
    public void A_refused_child_is_reported_at_the_step_that_looks_at_its_kind(string kind, string name, string step)
    {
        var refusal = $"the API server refused {kind} {name}: spec: Invalid value";
        var failures = new[] { new ApplyFailure(kind, name, "spec: Invalid value") };

        var message = ReadyMessage(ReadyDiagnosis.Annotate(NotReady(ReadyReasons.ChildRejected, refusal), Evidence(Snapshots.Healthy(), failures: failures)));

        Assert.Equal($"{step}: {refusal}{Hint}", message);
    }

    [Fact]
    public void Ready_and_an_invalid_spec_keep_their_message()
    {
        var ready = new ShopInstanceStatus { Conditions = [new Condition { Type = ConditionSet.Ready, Status = ConditionStatus.True, Reason = "Available", Message = "every tier runs …" }] };
        var invalid = NotReady("InvalidSpec", "spec.image: names a tag");

        Assert.Same(ready, ReadyDiagnosis.Annotate(ready, Evidence(Snapshots.Healthy())));
        Assert.Same(invalid, ReadyDiagnosis.Annotate(invalid, Evidence(Snapshots.Healthy())));
    }
}
