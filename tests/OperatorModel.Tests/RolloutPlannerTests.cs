using ShopOperator.Model;
using Xunit;

namespace OperatorModel.Tests;

public sealed class RolloutPlannerTests
{
    private const string A = Specs.DigestA;
    private const string B = Specs.DigestB;
    private const string C = Specs.DigestC;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TierState Tier(string image, int available = 2, bool deadline = false) =>
        new(image, 2, available, available, available, true, deadline, true);

    private static ShopInstanceStatus Status(string serving, string? rolling = null, string? failed = null) =>
        new() { ServingImage = serving, RolloutImage = rolling, FailedImage = failed, History = [] };

    private static RolloutDecision Decide(string target, ShopInstanceStatus? status, TierState api, TierState web, bool rollback = true, DateTimeOffset? started = null, DateTimeOffset? now = null) =>
        RolloutPlanner.Decide(new RolloutInput(target, rollback, TimeSpan.FromMinutes(10), status, api, web, started, now ?? T0));

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
        Assert.Equal(RolloutOutcome.Succeeded, d.History[0].Outcome);
        Assert.Contains(d.Events, e => e.Reason == "RolloutSucceeded");
    }

    [Fact]
    public void A_deadline_exceeded_tier_rolls_both_back_and_marks_the_digest_failed()
    {
        var d = Decide(C, Status(A, C), Tier(C, available: 0, deadline: true), Tier(A), started: T0);

        Assert.Equal((A, A), (d.ApiImage, d.WebImage));
        Assert.Equal(RolloutPhase.Failed, d.Phase);
        Assert.Equal(C, d.FailedImage);
        Assert.Equal(RolloutOutcome.RolledBack, d.History[0].Outcome);
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

        Assert.Equal(RolloutOutcome.Superseded, d.History[0].Outcome);
        Assert.Equal(C, d.History[0].Image);
        Assert.Equal(B, d.RolloutImage);
        Assert.Equal((B, A), (d.ApiImage, d.WebImage));
    }

    [Fact]
    public void With_rollback_off_a_failure_leaves_the_tiers_where_they_are()
    {
        var d = Decide(C, Status(A, C), Tier(C, available: 0, deadline: true), Tier(A), rollback: false, started: T0);

        Assert.Equal((C, A), (d.ApiImage, d.WebImage));
        Assert.Equal(RolloutOutcome.Failed, d.History[0].Outcome);
        var again = Decide(C, Status(A, failed: C), Tier(C, available: 0, deadline: true), Tier(A), rollback: false);
        Assert.Equal((C, A), (again.ApiImage, again.WebImage));
    }

    [Fact]
    public void History_keeps_the_newest_ten()
    {
        var history = Enumerable.Range(0, 10).Select(i => new RolloutRecord { Image = $"old{i}", Outcome = RolloutOutcome.Succeeded }).ToList();
        var status = Status(A, B) with { History = history };
        var d = Decide(B, status, Tier(B), Tier(B), started: T0);

        Assert.Equal(10, d.History.Count);
        Assert.Equal(B, d.History[0].Image);
        Assert.Equal("old8", d.History[9].Image);
    }

    [Fact]
    public void A_first_deployment_whose_image_changes_starts_a_new_clock()
    {
        var d = Decide(B, null, Tier(A, available: 0), Tier(A, available: 0), started: T0, now: T0.AddMinutes(9));

        Assert.Equal(RolloutPhase.Deploying, d.Phase);
        Assert.Equal(T0.AddMinutes(9), d.StartedAt);
        Assert.Equal((B, B), (d.ApiImage, d.WebImage));
        Assert.Equal(T0, Decide(A, null, Tier(A, available: 0), Tier(A, available: 0), started: T0, now: T0.AddMinutes(9)).StartedAt);
    }
}
