using System.Text.Json.Nodes;
using ShopOperator.Reconcile;

namespace Operator.Tests;

public sealed class RolloutStateMachineTests
{
    private const string A = TestKube.DigestA;
    private const string B = TestKube.DigestB;
    private const string C = TestKube.DigestC;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TierState Tier(string image, int available = 2, bool deadline = false) =>
        new(image, 2, available, available, available, true, deadline, true);

    private static JsonObject Status(string serving, string? rolling = null, string? failed = null)
    {
        var status = new JsonObject { ["servingImage"] = serving, ["history"] = new JsonArray() };
        if (rolling is not null)
        {
            status["rolloutImage"] = rolling;
        }

        if (failed is not null)
        {
            status["failedImage"] = failed;
        }

        return status;
    }

    private static RolloutDecision Decide(string target, JsonObject? status, TierState api, TierState web, bool rollback = true, DateTimeOffset? started = null, DateTimeOffset? now = null) =>
        Rollout.Decide(new RolloutInput(target, rollback, TimeSpan.FromMinutes(10), status, api, web, started, now ?? T0));

    [Fact]
    public void A_new_digest_goes_to_api_only_while_web_keeps_serving()
    {
        var d = Decide(B, Status(A), Tier(A), Tier(A));

        Assert.Equal((B, A), (d.ApiImage, d.WebImage));
        Assert.Equal(RolloutPhase.RollingOutApi, d.Phase);
        Assert.Equal(A, d.ServingImage);
        Assert.Equal(B, d.RolloutImage);
        Assert.Contains(d.Events, e => e.Reason == "RolloutStarted");
    }

    [Fact]
    public void Web_follows_only_when_every_api_replica_runs_the_new_digest_and_is_available()
    {
        Assert.Equal(A, Decide(B, Status(A, B), Tier(B, available: 1), Tier(A), started: T0).WebImage);
        var d = Decide(B, Status(A, B), Tier(B), Tier(A), started: T0);
        Assert.Equal((B, B), (d.ApiImage, d.WebImage));
        Assert.Equal(RolloutPhase.RollingOutWeb, d.Phase);
    }

    [Fact]
    public void Both_tiers_done_records_success_and_the_new_serving_digest()
    {
        var d = Decide(B, Status(A, B), Tier(B), Tier(B), started: T0, now: T0.AddSeconds(30));

        Assert.Equal(RolloutPhase.Steady, d.Phase);
        Assert.Equal(B, d.ServingImage);
        Assert.Null(d.RolloutImage);
        var entry = Assert.IsType<JsonObject>(d.History[0]);
        Assert.Equal("Succeeded", entry["outcome"]!.GetValue<string>());
        Assert.Contains(d.Events, e => e.Reason == "RolloutSucceeded");
    }

    [Fact]
    public void A_deadline_exceeded_tier_rolls_both_back_and_marks_the_digest_failed()
    {
        var d = Decide(C, Status(A, C), Tier(C, available: 0, deadline: true), Tier(A), started: T0);

        Assert.Equal((A, A), (d.ApiImage, d.WebImage));
        Assert.Equal(RolloutPhase.Failed, d.Phase);
        Assert.Equal(C, d.FailedImage);
        Assert.Equal("RolledBack", d.History[0]!["outcome"]!.GetValue<string>());
        Assert.Contains("api", d.Message, StringComparison.Ordinal);
        Assert.Contains(d.Events, e => e.Type == "Warning");
    }

    [Fact]
    public void The_specs_own_deadline_fails_a_rollout_that_never_reports_progress()
    {
        var d = Decide(C, Status(A, C), Tier(C, available: 0), Tier(A), started: T0, now: T0.AddMinutes(11));
        Assert.Equal(RolloutPhase.Failed, d.Phase);
    }

    [Fact]
    public void A_failed_digest_is_not_retried_while_the_spec_names_it()
    {
        var d = Decide(C, Status(A, failed: C), Tier(A), Tier(A));

        Assert.Equal((A, A), (d.ApiImage, d.WebImage));
        Assert.Equal(RolloutPhase.Failed, d.Phase);
        Assert.Empty(d.Events);
    }

    [Fact]
    public void A_newer_digest_supersedes_the_running_rollout()
    {
        var d = Decide(B, Status(A, C), Tier(C, available: 0), Tier(A), started: T0);

        Assert.Equal("Superseded", d.History[0]!["outcome"]!.GetValue<string>());
        Assert.Equal(C, d.History[0]!["image"]!.GetValue<string>());
        Assert.Equal(B, d.RolloutImage);
        Assert.Equal((B, A), (d.ApiImage, d.WebImage));
    }

    [Fact]
    public void With_rollback_off_a_failure_leaves_the_tiers_where_they_are()
    {
        var d = Decide(C, Status(A, C), Tier(C, available: 0, deadline: true), Tier(A), rollback: false, started: T0);

        Assert.Equal((C, A), (d.ApiImage, d.WebImage));
        Assert.Equal("Failed", d.History[0]!["outcome"]!.GetValue<string>());
        var again = Decide(C, Status(A, failed: C), Tier(C, available: 0, deadline: true), Tier(A), rollback: false);
        Assert.Equal((C, A), (again.ApiImage, again.WebImage));
    }

    [Fact]
    public void History_keeps_the_newest_ten()
    {
        var status = Status(A);
        var history = new JsonArray();
        for (var i = 0; i < 10; i++)
        {
            history.Add(new JsonObject { ["image"] = $"old{i}", ["outcome"] = "Succeeded" });
        }

        status["history"] = history;
        status["rolloutImage"] = B;
        var d = Decide(B, status, Tier(B), Tier(B), started: T0);

        Assert.Equal(10, d.History.Count);
        Assert.Equal(B, d.History[0]!["image"]!.GetValue<string>());
        Assert.Equal("old8", d.History[9]!["image"]!.GetValue<string>());
    }
}
