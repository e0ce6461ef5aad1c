using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using ShopOperator.Runtime;

namespace Operator.Tests;

/// <summary>KubernetesClient's LeaderElector as we use it: one leader, takeover, release, and the lost-lease path.</summary>
public sealed class LeaderElectionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static LeaderElectionOptions Options(string identity, bool release = true) =>
        new("ops", "shop-operator", identity, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), release);

    private sealed class Candidate : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;
        private int _working;

        public Candidate(LeaseServer server, string identity, bool release = true)
        {
            Metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
            Election = new LeaderElection(server.Client(), Options(identity, release), Metrics, NullLogger.Instance);
            _run = Election.RunAsync(
                async ct =>
                {
                    Interlocked.Increment(ref _working);
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _working);
                    }
                },
                _stop.Token);
        }

        public LeaderElection Election { get; }

        public OperatorMetrics Metrics { get; }

        public bool Working => Volatile.Read(ref _working) > 0;

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            _stop.Dispose();
        }
    }

    [Fact]
    public async Task One_candidate_leads_and_the_other_takes_over_after_a_graceful_stop()
    {
        await using var server = await LeaseServer.StartAsync();
        await using var a = new Candidate(server, "a");
        await Poll.UntilAsync(() => a.Working, what: "a leads");
        await using var b = new Candidate(server, "b");

        // b keeps trying for more than a lease duration and never works while a renews.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            Assert.False(a.Working && b.Working, "both candidates work at once");
            Assert.False(b.Working);
            await Task.Delay(50);
        }

        Assert.Equal("a", server.Holder);
        var stopped = Stopwatch.StartNew();
        await a.StopAsync();
        Assert.False(a.Working);
        Assert.Equal("", server.Holder); // released, not left to expire
        await Poll.UntilAsync(() => b.Working, TimeSpan.FromSeconds(5), "b takes over");
        output.WriteLine($"takeover after graceful stop: {stopped.ElapsedMilliseconds} ms (lease duration 2000 ms)");
        Assert.Equal("b", server.Holder);
        Assert.Equal(1, b.Metrics.LeaderStatus.WithLabels("shop-operator").Value);
        Assert.Equal(0, a.Metrics.LeaderStatus.WithLabels("shop-operator").Value);
    }

    [Fact]
    public async Task A_leader_that_cannot_renew_stops_working_before_another_can_acquire()
    {
        await using var server = await LeaseServer.StartAsync();
        await using var a = new Candidate(server, "a");
        await Poll.UntilAsync(() => a.Working, what: "a leads");

        server.Unavailable = true;
        var outage = Stopwatch.StartNew();
        await Poll.UntilAsync(() => !a.Working, TimeSpan.FromSeconds(6), "a gives up after the renew deadline");
        output.WriteLine($"leader stopped working {outage.ElapsedMilliseconds} ms into the outage (renew deadline 1000 ms, retry 200 ms, lease 2000 ms)");
        Assert.True(outage.Elapsed < TimeSpan.FromSeconds(2), "stopped too late: another replica could already lead");

        server.Unavailable = false;
        await Poll.UntilAsync(() => a.Working, TimeSpan.FromSeconds(8), "a leads again once the server is back");
    }

    [Fact]
    public async Task A_leader_that_dies_without_releasing_is_replaced_within_the_lease_duration()
    {
        await using var server = await LeaseServer.StartAsync();
        await using var a = new Candidate(server, "a", release: false);
        await Poll.UntilAsync(() => a.Working, what: "a leads");
        await using var b = new Candidate(server, "b");
        await Poll.UntilAsync(() => server.Holder == "a" && b.Election.IsLeader == false, what: "b is standby");
        await Task.Delay(500); // let b observe a few renewals, as a running standby does

        var stopped = Stopwatch.StartNew();
        await a.StopAsync(); // like a crash: no release, the lease must expire
        Assert.Equal("a", server.Holder);
        await Poll.UntilAsync(() => b.Working, TimeSpan.FromSeconds(6), "b takes over");
        output.WriteLine($"takeover after a crash: {stopped.ElapsedMilliseconds} ms (lease duration 2000 ms, retry 200 ms)");
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(2) + TimeSpan.FromMilliseconds(800), "standby waited longer than the lease time");
    }
}
