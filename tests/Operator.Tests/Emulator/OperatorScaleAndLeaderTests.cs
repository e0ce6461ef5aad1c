using System.Diagnostics;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class OperatorScaleAndLeaderTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private IClusterHarness Cluster => fixture.Cluster;

    [Fact]
    public async Task Two_operators_one_leads_and_the_other_takes_over_within_the_lease_time()
    {
        var ns = "le-" + Guid.NewGuid().ToString("N")[..6];
        var kube = new TestKube(new k8s.Kubernetes(Cluster.Config));
        await kube.CreateNamespaceAsync(ns);
        var lease = ns; // the lease lives next to the shops in this test
        var a = await OperatorInstance.StartAsync(Cluster.Config, OperatorInstance.TestOptions("op-a", lease) with { WatchNamespaces = [ns] }, new XunitOutput(output));
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

            var stopped = Stopwatch.StartNew();
            await a.StopAsync();
            await Poll.UntilAsync(() => b.Election.IsLeader, b.Options.LeaderElection.LeaseDuration + TimeSpan.FromSeconds(1), "b leads");
            output.WriteLine($"standby took over {stopped.ElapsedMilliseconds} ms after the leader stopped (lease {b.Options.LeaderElection.LeaseDuration.TotalMilliseconds} ms)");

            await kube.DeleteAsync(ResourceKind.Service, ns, "demo-web");
            await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.Service, ns, "demo-web"), TimeSpan.FromSeconds(10), "the new leader repairs drift");
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_hundred_shops_converge()
    {
        const int count = 200;
        var ns = "scale-" + Guid.NewGuid().ToString("N")[..6];
        var kube = new TestKube(new k8s.Kubernetes(Cluster.Config));
        await kube.CreateNamespaceAsync(ns);
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        await using var op = await OperatorInstance.StartAsync(Cluster.Config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns], Workers = 8 }, new XunitOutput(output));

        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await kube.CreateAsync(TestKube.Shop(ns, $"shop{i:000}", replicas: 1)));
        var created = watch.Elapsed;

        await Poll.UntilAsync(
            async () =>
            {
                var list = await kube.Api.ListAsync(ResourceKind.ShopInstance, ns, null, CancellationToken.None);
                return list.Items.Count(s => TestKube.ConditionStatus(s, "Ready") == "True") == count ? list : null;
            },
            TimeSpan.FromSeconds(90),
            $"{count} shops Ready");
        var converged = watch.Elapsed;
        GC.Collect();
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var process = Process.GetCurrentProcess();
        output.WriteLine($"{count} ShopInstances: created in {created.TotalSeconds:0.0} s, all Ready after {converged.TotalSeconds:0.0} s; " +
            $"test process (operator + emulator) working set {process.WorkingSet64 / 1048576} MiB, managed heap +{(heapAfter - heapBefore) / 1048576.0:0.0} MiB; " +
            $"cache holds {op.Controller.Cache.Informers.Sum(i => i.List().Count)} objects");
        Assert.True(converged < TimeSpan.FromSeconds(90));
    }
}
