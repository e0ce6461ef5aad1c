using System.Text.Json.Nodes;
using ShopOperator.Model;
using Xunit;

namespace OperatorModel.Tests;

/// <summary>The status assembly: what a pass writes, and that the rollout's clock survives an operator restart.</summary>
public sealed class PlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static JsonObject Deployment(string image, int replicas = 2, int available = 2, bool deadline = false) => new()
    {
        ["metadata"] = new JsonObject { ["generation"] = 3 },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["template"] = new JsonObject { ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["image"] = image }) } },
        },
        ["status"] = new JsonObject
        {
            ["observedGeneration"] = 3,
            ["readyReplicas"] = available,
            ["updatedReplicas"] = replicas,
            ["availableReplicas"] = available,
            ["conditions"] = deadline ? new JsonArray(new JsonObject { ["type"] = "Progressing", ["reason"] = "ProgressDeadlineExceeded" }) : new JsonArray(),
        },
    };

    private static Plan Pass(JsonObject shop, JsonObject? api, JsonObject? web, DateTimeOffset now)
    {
        var plan = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), api, web, null, now));
        shop["status"] = ShopInstance.StatusToJson(plan.Status);
        return plan;
    }

    [Fact]
    public void The_first_pass_deploys_and_records_when_it_started()
    {
        var shop = Specs.Valid();
        var plan = Pass(shop, null, null, T0);

        Assert.True(plan.InProgress);
        Assert.Equal(T0, plan.Status.RolloutStartedAt);
        Assert.Equal("2026-01-01T00:00:00Z", shop["status"]!["rolloutStartedAt"]!.GetValue<string>());
        var ready = ConditionSet.Find(plan.Status.Conditions, ConditionSet.Ready)!;
        Assert.Equal((ConditionStatus.False, "Deploying"), (ready.Status, ready.Reason));
        Assert.Equal(ConditionStatus.True, ConditionSet.Find(plan.Status.Conditions, ConditionSet.Reconciling)!.Status);
        Assert.Equal("http://shop.example.com", plan.Status.Url);
        Assert.Equal(1, plan.Status.ObservedGeneration);
    }

    [Fact]
    public void A_rollout_deadline_survives_a_restart_because_its_start_is_in_the_status()
    {
        var shop = Specs.Valid(image: Specs.DigestB).With("spec.rollout.progressDeadlineSeconds", 600);
        shop["status"] = ShopInstance.StatusToJson(new ShopInstanceStatus { ServingImage = Specs.DigestA, History = [] });

        // Operator 1 starts the rollout; the api tier never becomes available.
        var started = Pass(shop, Deployment(Specs.DigestA), Deployment(Specs.DigestA), T0);
        Assert.Equal(Specs.DigestB, started.Status.RolloutImage);
        Assert.Equal(T0, started.Status.RolloutStartedAt);

        // Operator 2 (a new process: the planner keeps nothing between calls) sees it 11 minutes later: failed, rolled back.
        var stored = JsonNode.Parse(shop.ToJsonString())!.AsObject();
        var later = Pass(stored, Deployment(Specs.DigestB, available: 0), Deployment(Specs.DigestA), T0.AddMinutes(11));

        Assert.Equal(Specs.DigestB, later.Status.FailedImage);
        Assert.Null(later.Status.RolloutStartedAt);
        Assert.Equal(RolloutOutcome.RolledBack, later.Status.History![0].Outcome);
        Assert.Equal(T0, later.Status.History[0].StartedAt);
        Assert.Equal("RolloutFailed", ConditionSet.Find(later.Status.Conditions, ConditionSet.Stalled)!.Reason);
        var images = later.Children.Where(c => c["kind"]!.GetValue<string>() == "Deployment").Select(d => d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.All(images, i => Assert.Equal(Specs.DigestA, i));
    }

    [Fact]
    public void Within_the_deadline_a_restarted_operator_keeps_waiting()
    {
        var shop = Specs.Valid(image: Specs.DigestB);
        shop["status"] = ShopInstance.StatusToJson(new ShopInstanceStatus { ServingImage = Specs.DigestA, RolloutImage = Specs.DigestB, RolloutStartedAt = T0, History = [] });

        var plan = Pass(shop, Deployment(Specs.DigestB, available: 1), Deployment(Specs.DigestA), T0.AddMinutes(9));

        Assert.Equal(T0, plan.Status.RolloutStartedAt);
        Assert.Null(plan.Status.FailedImage);
        Assert.Equal("RollingOutApi", ConditionSet.Find(plan.Status.Conditions, ConditionSet.Reconciling)!.Reason);
    }

    [Fact]
    public void A_finished_rollout_is_ready_with_the_short_digest_for_kubectl_and_a_steady_pass_changes_nothing()
    {
        var shop = Specs.Valid(image: Specs.DigestB);
        shop["status"] = ShopInstance.StatusToJson(new ShopInstanceStatus { ServingImage = Specs.DigestA, RolloutImage = Specs.DigestB, RolloutStartedAt = T0, History = [] });

        var done = Pass(shop, Deployment(Specs.DigestB), Deployment(Specs.DigestB), T0.AddMinutes(2));
        var first = shop["status"]!.DeepClone();
        var again = Pass(shop, Deployment(Specs.DigestB), Deployment(Specs.DigestB), T0.AddMinutes(30));

        Assert.Equal("sha256:bbbbbbbbbbbb", done.Status.ServingDigest);
        Assert.Equal(ConditionStatus.True, ConditionSet.Find(done.Status.Conditions, ConditionSet.Ready)!.Status);
        Assert.Contains(done.Events, e => e.Reason == "RolloutSucceeded");
        Assert.Empty(again.Events);
        Assert.True(JsonNode.DeepEquals(first, shop["status"]), "a steady pass must write the same status (no timestamp that moves)");
    }

    [Fact]
    public void An_invalid_spec_plans_nothing_and_warns_once_per_generation()
    {
        var shop = Specs.Valid().With("spec.image", "ghcr.io/example/shop:latest");

        var first = Pass(shop, null, null, T0);
        var second = Pass(shop, null, null, T0.AddMinutes(1));

        Assert.True(first.Invalid);
        Assert.Empty(first.Children);
        Assert.Single(first.Events);
        Assert.Empty(second.Events);
        var ready = ConditionSet.Find(first.Status.Conditions, ConditionSet.Ready)!;
        Assert.Equal("InvalidSpec", ready.Reason);
        Assert.StartsWith("spec.image: ", ready.Message, StringComparison.Ordinal);
        Assert.Contains("pin a digest", ready.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_the_operator_did_not_write_is_started_afresh_instead_of_failing()
    {
        var shop = Specs.Valid();
        shop["status"] = new JsonObject { ["conditions"] = "garbage", ["observedGeneration"] = "x" };

        var plan = Pass(shop, null, null, T0);

        Assert.False(plan.Invalid);
        Assert.Equal(1, plan.Status.ObservedGeneration);
    }

    [Fact]
    public void Provision_and_suspend_are_read_from_the_typed_spec()
    {
        var shop = Specs.Valid().With("spec.database.connectionSecretRef", null)
            .With("spec.database.provision", new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" }, ["deletionPolicy"] = "Delete" });

        var request = ShopPlanner.Provision(shop);

        Assert.Equal(new ProvisionRequest("shop-dev", "demo", "pg-admin", "demo-db", true), request);
        Assert.False(ShopPlanner.IsSuspendedOrInvalid(shop));
        Assert.True(ShopPlanner.IsSuspendedOrInvalid(shop.With("spec.suspend", true)));
        Assert.Null(ShopPlanner.Provision(Specs.Valid()));
    }

    private static Condition Cond(Plan plan, string type) => ConditionSet.Find(plan.Status.Conditions, type)!;

    private static bool HasApiDeployment(Plan plan) =>
        plan.Children.Any(c => c["kind"]!.GetValue<string>() == "Deployment" && c["metadata"]!["name"]!.GetValue<string>() == "demo-api");

    [Fact]
    public void A_route_whose_Gateway_refused_it_makes_Ready_False_naming_the_parent_and_the_condition()
    {
        var shop = Specs.Valid().With("spec.gateway", new JsonObject { ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "gw" }) });
        shop["status"] = ShopInstance.StatusToJson(new ShopInstanceStatus { ServingImage = Specs.DigestA, History = [] });
        JsonObject Route(string status) => new()
        {
            ["metadata"] = new JsonObject { ["namespace"] = "shop" },
            ["status"] = new JsonObject
            {
                ["parents"] = new JsonArray(new JsonObject
                {
                    ["parentRef"] = new JsonObject { ["name"] = "gw" },
                    ["conditions"] = new JsonArray(
                        new JsonObject { ["type"] = "Accepted", ["status"] = "True", ["reason"] = "Accepted", ["message"] = "" },
                        new JsonObject { ["type"] = "ResolvedRefs", ["status"] = status, ["reason"] = "BackendNotFound", ["message"] = "service demo-api not found" }),
                }),
            },
        };

        var refused = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), Deployment(Specs.DigestA), Deployment(Specs.DigestA), null, T0, LiveRoute: Route("False")));
        var accepted = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), Deployment(Specs.DigestA), Deployment(Specs.DigestA), null, T0, LiveRoute: Route("True")));

        Assert.Equal((ConditionStatus.False, ReadyReasons.RouteNotAccepted), (Cond(refused, ConditionSet.Ready).Status, Cond(refused, ConditionSet.Ready).Reason));
        Assert.Equal("every tier is available, but HTTPRoute demo is not served: parent shop/gw: ResolvedRefs=False (BackendNotFound): service demo-api not found", Cond(refused, ConditionSet.Ready).Message);
        Assert.Equal(ConditionStatus.True, Cond(accepted, ConditionSet.Ready).Status);
    }

    [Fact]
    public void Ready_is_False_with_DatabaseNotReady_while_the_database_is_not_ready_even_when_both_tiers_serve()
    {
        var shop = Specs.Valid();
        shop["status"] = ShopInstance.StatusToJson(new ShopInstanceStatus { ServingImage = Specs.DigestA, History = [] });

        var plan = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), Deployment(Specs.DigestA), Deployment(Specs.DigestA), new DatabaseCondition(false, "ProvisionFailed", "connection refused"), T0));

        Assert.Equal((ConditionStatus.False, ReadyReasons.DatabaseNotReady), (Cond(plan, ConditionSet.Ready).Status, Cond(plan, ConditionSet.Ready).Reason));
        Assert.Equal("the database is not ready (ProvisionFailed): connection refused", Cond(plan, ConditionSet.Ready).Message);
        Assert.Equal(ConditionStatus.False, Cond(plan, ConditionSet.DatabaseReady).Status);
        Assert.Equal(ConditionStatus.False, Cond(plan, ConditionSet.Stalled).Status);
        Assert.Equal(ConditionStatus.True, Cond(plan, ConditionSet.Reconciling).Status);
        Assert.True(plan.InProgress);
    }

    [Fact]
    public void A_missing_connection_Secret_is_named_in_DatabaseReady_and_Ready_and_the_api_Deployment_waits_for_it()
    {
        var shop = Specs.Valid();

        var plan = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), null, null, null, T0, MissingSecrets: [new MissingSecret("shop-db")]));

        var database = Cond(plan, ConditionSet.DatabaseReady);
        Assert.Equal((ConditionStatus.False, ReadyReasons.SecretMissing), (database.Status, database.Reason));
        Assert.Equal("Secret shop-db (spec.database.connectionSecretRef) not found; the shop heals when it is created", database.Message);
        Assert.Equal(ReadyReasons.DatabaseNotReady, Cond(plan, ConditionSet.Ready).Reason);
        Assert.Contains("Secret shop-db", Cond(plan, ConditionSet.Ready).Message, StringComparison.Ordinal);
        Assert.False(HasApiDeployment(plan));
        Assert.Contains(plan.Children, c => c["metadata"]!["name"]!.GetValue<string>() == "demo-web" && c["kind"]!.GetValue<string>() == "Deployment");

        // An api Deployment that exists is kept (never pruned because its Secret went away).
        var running = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), Deployment(Specs.DigestA), null, null, T0, MissingSecrets: [new MissingSecret("shop-db", "connectionString")]));
        Assert.True(HasApiDeployment(running));
        Assert.Equal("Secret shop-db (spec.database.connectionSecretRef) has no key connectionString; the shop heals when it is created", Cond(running, ConditionSet.DatabaseReady).Message);

        // When it arrives: the external Secret is ready again and the api Deployment is planned.
        var healed = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), null, null, null, T0));
        Assert.Equal("ExternalSecret", Cond(healed, ConditionSet.DatabaseReady).Reason);
        Assert.True(HasApiDeployment(healed));
    }

    [Fact]
    public void A_missing_admin_Secret_is_named_over_the_database_steps_outcome()
    {
        var shop = Specs.Valid().With("spec.database.connectionSecretRef", null)
            .With("spec.database.provision", new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" } });

        var plan = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), null, null, new DatabaseCondition(false, "Provisioning", "waiting"), T0, MissingSecrets: [new MissingSecret("pg-admin")]));

        Assert.Equal(ReadyReasons.SecretMissing, Cond(plan, ConditionSet.DatabaseReady).Reason);
        Assert.StartsWith("Secret pg-admin (spec.database.provision.adminSecretRef) not found", Cond(plan, ConditionSet.DatabaseReady).Message, StringComparison.Ordinal);
        Assert.Equal(
            [new SecretReference("pg-admin", ["host", "port", "username", "password"], "spec.database.provision.adminSecretRef")],
            ShopPlanner.ReferencedSecrets(ShopInstance.FromJson(shop)),
            (a, b) => a.Name == b.Name && a.Field == b.Field && a.Keys.SequenceEqual(b.Keys));
    }

    [Fact]
    public void A_child_the_API_server_refused_is_reported_as_ChildRejected_with_its_message_and_warned_once()
    {
        var shop = Specs.Valid();
        var failure = new ApplyFailure("Deployment", "demo-web", "Deployment.apps \"demo-web\" is invalid: spec.selector: Invalid value: ...: field is immutable");

        var first = Pass2(shop, [failure]);
        var second = Pass2(shop, [failure]);
        var fixedPass = Pass2(shop, []);

        var ready = Cond(first, ConditionSet.Ready);
        Assert.Equal((ConditionStatus.False, ReadyReasons.ChildRejected), (ready.Status, ready.Reason));
        Assert.Equal("the API server refused " + failure, ready.Message);
        Assert.Equal((ConditionStatus.True, ReadyReasons.ChildRejected), (Cond(first, ConditionSet.Stalled).Status, Cond(first, ConditionSet.Stalled).Reason));
        Assert.Contains(first.Events, e => e.Type == "Warning" && e.Reason == ReadyReasons.ChildRejected && e.Message == ready.Message);
        Assert.DoesNotContain(second.Events, e => e.Reason == ReadyReasons.ChildRejected);
        Assert.Equal("Deploying", Cond(fixedPass, ConditionSet.Ready).Reason);
        Assert.Equal(ConditionStatus.False, Cond(fixedPass, ConditionSet.Stalled).Status);

        Plan Pass2(JsonObject s, IReadOnlyList<ApplyFailure> failures)
        {
            var plan = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(s), null, null, null, T0, ApplyFailures: failures));
            s["status"] = ShopInstance.StatusToJson(plan.Status);
            return plan;
        }
    }

    [Fact]
    public void A_failed_first_deployment_recovers_when_both_tiers_become_available_and_history_says_so()
    {
        var shop = Specs.Valid();
        Pass(shop, null, null, T0);
        var failed = Pass(shop, Deployment(Specs.DigestA, available: 0, deadline: true), Deployment(Specs.DigestA, available: 0, deadline: true), T0.AddMinutes(11));
        Assert.Equal(Specs.DigestA, failed.Status.FailedImage);
        Assert.Equal("RolloutFailed", Cond(failed, ConditionSet.Ready).Reason);

        // The Secret arrives, the pods start: the Deployments become available on the same digest.
        var recovered = Pass(shop, Deployment(Specs.DigestA), Deployment(Specs.DigestA), T0.AddMinutes(20));

        Assert.Equal((ConditionStatus.True, "Available"), (Cond(recovered, ConditionSet.Ready).Status, Cond(recovered, ConditionSet.Ready).Reason));
        Assert.Null(recovered.Status.FailedImage);
        Assert.Equal(Specs.DigestA, recovered.Status.ServingImage);
        Assert.Equal((RolloutOutcome.Succeeded, T0, T0.AddMinutes(20)), (recovered.Status.History![0].Outcome, recovered.Status.History[0].StartedAt, recovered.Status.History[0].FinishedAt));
        Assert.Contains("recovered", recovered.Status.History[0].Message, StringComparison.Ordinal);
        Assert.Equal(RolloutOutcome.Failed, recovered.Status.History[1].Outcome);
        Assert.Contains(recovered.Events, e => e.Reason == "RolloutRecovered");
    }

    [Fact]
    public void Why_the_pods_wait_is_shown_in_the_message()
    {
        var shop = Specs.Valid();

        var plan = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), Deployment(Specs.DigestA, available: 0), Deployment(Specs.DigestA, available: 0), null, T0, PodProblems: ["demo-api-1: CreateContainerConfigError: secret \"shop-db\" not found"]));

        Assert.EndsWith("; pods: demo-api-1: CreateContainerConfigError: secret \"shop-db\" not found", Cond(plan, ConditionSet.Ready).Message, StringComparison.Ordinal);
    }
}
