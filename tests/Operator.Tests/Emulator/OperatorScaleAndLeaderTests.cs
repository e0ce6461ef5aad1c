using System.Diagnostics;
using k8s;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class OperatorScaleAndLeaderTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private IClusterHarness Cluster => fixture.Cluster;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Two_operators_one_leads_and_the_other_takes_over_within_the_lease_time(bool graceful)
    {
        var ns = "le-" + Guid.NewGuid().ToString("N")[..6];
        var kube = new TestKube(new k8s.Kubernetes(Cluster.Config));
        await kube.CreateShopNamespaceAsync(ns);
        var lease = ns; // the lease lives next to the shops in this test
        var optionsA = OperatorInstance.TestOptions("op-a", lease) with { WatchNamespaces = [ns] };

        // Without the release on shutdown, stopping is what a crash looks like to the standby: the lease must expire.
        optionsA = optionsA with { LeaderElection = optionsA.LeaderElection with { ReleaseOnShutdown = graceful } };
        var a = await OperatorInstance.StartAsync(Cluster.Config, optionsA, new XunitOutput(output));
        await Poll.UntilAsync(() => a.Election.IsLeader, TimeSpan.FromSeconds(10), "a leads");
        await using var b = await OperatorInstance.StartAsync(Cluster.Config, OperatorInstance.TestOptions("op-b", lease) with { WatchNamespaces = [ns] }, new XunitOutput(output));
        try
        {
            await kube.CreateAsync(TestKube.Shop(ns, "demo"));
            await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
            Assert.True(a.Election.IsLeader);
            Assert.False(b.Election.IsLeader);
            Assert.Equal(0, b.Metrics.ReconcileTotal.WithLabels("shopinstance", "success").Value);
            Assert.True(b.Controller.Cache.HasSynced, "the standby's caches are warm");
            var held = await kube.Api.Client.CoordinationV1.ReadNamespacedLeaseAsync("shop-operator", lease);
            Assert.Equal("op-a", held.Spec.HolderIdentity);

            var stopped = Stopwatch.StartNew();
            await a.StopAsync();
            await Poll.UntilAsync(() => b.Election.IsLeader, b.Options.LeaderElection.LeaseDuration + TimeSpan.FromSeconds(2), "b leads");
            output.WriteLine($"standby took over {stopped.ElapsedMilliseconds} ms after the leader stopped ({(graceful ? "lease released" : "no release, like a crash")}; lease {b.Options.LeaderElection.LeaseDuration.TotalMilliseconds} ms)");

            // The elector judges expiry from when it saw the last renewal, so a crash costs at most the lease
            // duration plus one retry period (and the scheduling slack of a loaded machine).
            Assert.True(stopped.Elapsed < b.Options.LeaderElection.LeaseDuration + b.Options.LeaderElection.RetryPeriod + TimeSpan.FromSeconds(1.5), $"took over after {stopped.ElapsedMilliseconds} ms");
            held = await kube.Api.Client.CoordinationV1.ReadNamespacedLeaseAsync("shop-operator", lease);
            Assert.Equal("op-b", held.Spec.HolderIdentity);

            await kube.DeleteAsync(ResourceKind.Service, ns, "demo-web");
            await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.Service, ns, "demo-web"), TimeSpan.FromSeconds(10), "the new leader repairs drift");
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_leader_that_loses_its_lease_stops_its_host_so_the_process_exits_non_zero()
    {
        var ns = "lost-" + Guid.NewGuid().ToString("N")[..6];
        var kube = new TestKube(new k8s.Kubernetes(Cluster.Config));
        await kube.CreateShopNamespaceAsync(ns);
        await using var op = await OperatorInstance.StartAsync(Cluster.Config, OperatorInstance.TestOptions("op-lost", ns) with { WatchNamespaces = [ns] }, new XunitOutput(output));
        await Poll.UntilAsync(() => op.Election.IsLeader, TimeSpan.FromSeconds(10), "leads");

        // Every Lease read fails for longer than the renew deadline (1.5 s at one try per 250 ms).
        const int failures = 12;
        Cluster.FailNext("get", "leases", 503, failures);
        await Poll.UntilAsync(() => op.Stopping.IsCancellationRequested, TimeSpan.FromSeconds(10), "the host stops itself");
        Assert.True(op.Service.LostLeadership, "Program.RunAsync returns 1 when LostLeadership is set");
        Assert.False(op.Election.IsLeader);
        Assert.True(op.Metrics.LeaderElectionErrors.WithLabels("shop-operator").Value >= 1, "Lease errors are counted");

        // Use up the injected failures the stopped elector left, so they cannot reach another test.
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    return await kube.Api.Client.CoordinationV1.ReadNamespacedLeaseAsync("shop-operator", ns);
                }
                catch (k8s.Autorest.HttpOperationException)
                {
                    return null;
                }
            },
            TimeSpan.FromSeconds(10),
            "injected failures used up");
    }

    [Fact]
    public async Task Two_hundred_shops_converge_with_the_operator_in_its_own_process()
    {
        const int count = 200;
        var ns = "scale-" + Guid.NewGuid().ToString("N")[..6];
        var kube = new TestKube(new k8s.Kubernetes(Cluster.Config));
        await kube.CreateShopNamespaceAsync(ns);
        await using var op = OperatorProcess.Start(Cluster.Config, new Dictionary<string, string>
        {
            ["WATCH_NAMESPACES"] = ns,
            ["OPERATOR_WORKERS"] = "8",
            ["POD_NAME"] = "scale-test",
        });
        using var http = new HttpClient { BaseAddress = op.HttpAddress };
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    return (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode ? new object() : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
            TimeSpan.FromSeconds(30),
            "operator /readyz").ContinueWith(
                t =>
                {
                    if (t.IsFaulted)
                    {
                        output.WriteLine("operator stdout:\n" + string.Join("\n", op.Stdout) + "\nstderr:\n" + string.Join("\n", op.Stderr));
                    }

                    return t;
                },
                TaskScheduler.Default).Unwrap();
        var idleRss = op.ResidentBytes;

        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await kube.CreateAsync(TestKube.Shop(ns, $"shop{i:000}", replicas: 1)));
        var created = watch.Elapsed;
        long peakRss = 0;
        await Poll.UntilAsync(
            async () =>
            {
                peakRss = Math.Max(peakRss, op.ResidentBytes);
                var list = await kube.Api.ListAsync(ResourceKind.ShopInstance, ns, null, CancellationToken.None);
                return list.Items.Count(s => TestKube.ConditionStatus(s, "Ready") == "True") == count ? list : null;
            },
            TimeSpan.FromSeconds(120),
            $"{count} shops Ready",
            interval: TimeSpan.FromMilliseconds(200)); // listing 200 shops is work for the emulator too: do not slow down what is measured
        var converged = watch.Elapsed;
        var rss = op.ResidentBytes;
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        output.WriteLine($"{count} ShopInstances: created in {created.TotalSeconds:0.0} s, all Ready {converged.TotalSeconds:0.0} s after the first create; " +
            $"operator process RSS {idleRss / 1048576} MiB idle, {rss / 1048576} MiB with {count} shops (peak seen {peakRss / 1048576} MiB)");
        output.WriteLine(string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("rest_client_requests_total", StringComparison.Ordinal) || l.StartsWith("controller_runtime_reconcile_total", StringComparison.Ordinal) || l.StartsWith("dotnet_total_memory_bytes", StringComparison.Ordinal) || l.StartsWith("process_working_set_bytes", StringComparison.Ordinal))));

        // Every reconcile line carries the shop in its logging scope (JSON console, one object a line).
        var reconcileLines = op.Stdout.Where(l => l.Contains("\"Created ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(reconcileLines);
        output.WriteLine("a reconcile log line: " + reconcileLines[0]);
        Assert.All(reconcileLines, l => Assert.Matches("\"namespace\":\"scale-[0-9a-f]+\".*\"name\":\"shop[0-9]{3}\"", l));
        Assert.True(converged < TimeSpan.FromSeconds(120));
    }
}
