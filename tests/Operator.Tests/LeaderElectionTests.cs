using System.Diagnostics;
using k8s;
using KubeEmulator;
using Microsoft.Extensions.Logging.Abstractions;
using ShopOperator.Runtime;

namespace Operator.Tests;

/// <summary>
/// KubernetesClient's LeaderElector as we use it, against the emulator's Lease (each test its own emulator, so
/// injected faults stay in the test): one leader, takeover, release, and the lost-lease path.
/// </summary>
public sealed class LeaderElectionTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string LeaseNamespace = "kube-system";

    private EmulatorHost? _emulator;

    private EmulatorHost Emulator => _emulator ?? throw new InvalidOperationException("emulator not started");

    public async Task InitializeAsync() => _emulator = await EmulatorHost.StartAsync(new EmulatorOptions(), CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }

    private static LeaderElectionOptions Options(string identity, bool release = true) =>
        new(LeaseNamespace, "shop-operator", identity, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), release);

    // Lease 4 s, renew deadline 2 s: the same ratio, with a margin of 1.8 s (lease − renew deadline − retry) instead of
    // 0.8 s between the leader giving up and another replica being able to acquire, so a test host's scheduling
    // delays under a full test run (a 2-core CI machine) do not eat it; the property asserted is the same.
    private static LeaderElectionOptions SlowOptions(string identity) =>
        new(LeaseNamespace, "shop-operator", identity, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(200), true);

    private async Task<string?> HolderAsync() => (await LeaseAsync()).Spec?.HolderIdentity;

    private async Task<k8s.Models.V1Lease> LeaseAsync()
    {
        using var client = new Kubernetes(Emulator.ClientConfiguration);
        return await client.CoordinationV1.ReadNamespacedLeaseAsync("shop-operator", LeaseNamespace);
    }

    private sealed class Candidate : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<LeadershipOutcome> _run;
        private int _working;

        private readonly Kubernetes _client;

        public Candidate(EmulatorHost server, string identity, bool release = true, LeaderElectionOptions? options = null)
        {
            Metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
            _client = new Kubernetes(server.ClientConfiguration);
            Election = new LeaderElection(_client, options ?? Options(identity, release), Metrics, NullLogger.Instance);
            _run = Election.RunAsync(
                async ct =>
                {
                    Interlocked.Increment(ref _working);
                    // The moment the elector takes the work away, taken synchronously by the cancellation itself
                    // (not when a poll next looks).
                    using var stopped = ct.Register(() => StoppedAt ??= Stopwatch.GetTimestamp());
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

        /// <summary>When the elector cancelled the work (<see cref="Stopwatch.GetTimestamp"/>), null before.</summary>
        public long? StoppedAt { get; private set; }

        public Task<LeadershipOutcome> Run => _run;

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
            _client.Dispose();
        }
    }

    [Fact]
    public async Task One_candidate_leads_and_the_other_takes_over_after_a_graceful_stop()
    {
        var server = Emulator;
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

        Assert.Equal("a", await HolderAsync());
        var renewedBeforeStop = (await LeaseAsync()).Spec.RenewTime!.Value;
        var stopped = Stopwatch.StartNew();
        await a.StopAsync();
        Assert.False(a.Working);
        // Released: empty, or already b's (it retries every 200 ms, so it may take the released lease before we look).
        Assert.Contains(await HolderAsync(), new[] { "", "b" });
        await Poll.UntilAsync(() => b.Working, TimeSpan.FromSeconds(5), "b takes over");
        output.WriteLine($"takeover after graceful stop: {stopped.ElapsedMilliseconds} ms (lease duration 2000 ms)");
        var taken = await LeaseAsync();
        Assert.Equal("b", taken.Spec.HolderIdentity);
        // Not left to expire: b acquired it before a's last renewal had run out (the server's times, not a stopwatch).
        Assert.True(taken.Spec.AcquireTime < renewedBeforeStop + TimeSpan.FromSeconds(2), $"b acquired at {taken.Spec.AcquireTime:O}, a renewed at {renewedBeforeStop:O}: the lease expired instead of being released");
        Assert.Equal(1, b.Metrics.LeaderStatus.WithLabels("shop-operator").Value);
        Assert.Equal(0, a.Metrics.LeaderStatus.WithLabels("shop-operator").Value);
    }

    [Fact]
    public async Task A_leader_that_cannot_renew_stops_working_before_another_can_acquire()
    {
        var server = Emulator;
        await using var a = new Candidate(server, "a", options: SlowOptions("a"));
        await Poll.UntilAsync(() => a.Working, what: "a leads");

        // An outage of the Lease endpoint: the elector's every attempt starts with a get, so 35 failed gets at one
        // attempt per 200 ms keep it down for about 7 s, longer than the lease, then the server answers again.
        server.Faults.FailNext("get", "leases", 503, 35);
        var outageStart = Stopwatch.GetTimestamp();
        await Poll.UntilAsync(() => !a.Working, TimeSpan.FromSeconds(10), "a gives up after the renew deadline");
        var stoppedAfter = Stopwatch.GetElapsedTime(outageStart, a.StoppedAt!.Value);
        output.WriteLine($"leader stopped working {stoppedAfter.TotalMilliseconds:F0} ms into the outage (renew deadline 2000 ms, retry 200 ms, lease 4000 ms)");
        // The last renewal came at most one retry period before the outage, so another replica could lead from
        // about 4 s after its start; a leader that kept working past that is the split brain this guards against.
        Assert.True(stoppedAfter < TimeSpan.FromSeconds(4), "stopped too late: another replica could already lead");

        // As controller-runtime: a lost lease ends the election (the process then exits non-zero and restarts).
        Assert.Equal(LeadershipOutcome.Lost, await a.Run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(a.Metrics.LeaderElectionErrors.WithLabels("shop-operator").Value >= 1, "failed Lease calls are counted");
    }

    [Fact]
    public async Task A_leader_that_dies_without_releasing_is_replaced_within_the_lease_duration()
    {
        var server = Emulator;
        await using var a = new Candidate(server, "a", release: false);
        await Poll.UntilAsync(() => a.Working, what: "a leads");
        await using var b = new Candidate(server, "b");
        await Poll.UntilAsync(async () => await HolderAsync() == "a" && !b.Election.IsLeader ? new object() : null, what: "b is standby");
        await Task.Delay(500); // let b observe a few renewals, as a running standby does

        var stopped = Stopwatch.StartNew();
        await a.StopAsync(); // like a crash: no release, the lease must expire
        Assert.Equal("a", await HolderAsync());
        await Poll.UntilAsync(() => b.Working, TimeSpan.FromSeconds(6), "b takes over");
        output.WriteLine($"takeover after a crash: {stopped.ElapsedMilliseconds} ms (lease duration 2000 ms, retry 200 ms)");
        // Lease 2 s, retry 200 ms; the slack covers scheduling on a busy 2-core machine (other test classes run alongside).
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(2) + TimeSpan.FromMilliseconds(1500), "standby waited longer than the lease time");
    }
}
