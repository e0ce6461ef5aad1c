using System.Globalization;
using System.Text.RegularExpressions;

namespace Operator.Tests;

/// <summary>
/// The operator's /metrics, scraped over HTTP: controller-runtime's and client-go's names and labels, a zero
/// series for our controller from the start (so rate() and absent() work before the first error), and the
/// process metrics under the Go client's names.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed partial class MetricsTests(EmulatorFixture fixture)
{
    [Fact]
    public async Task A_fresh_operator_exports_the_whole_set_with_zero_series_for_its_controller()
    {
        var ns = $"metrics-{Guid.NewGuid().ToString("N")[..6]}";
        await using var op = await OperatorInstance.StartAsync(fixture.Cluster.Config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns], Workers = 3 });
        var text = await ScrapeAsync(op);

        foreach (var zero in new[]
        {
            "controller_runtime_reconcile_total{controller=\"shopinstance\",result=\"error\"} 0",
            "controller_runtime_reconcile_total{controller=\"shopinstance\",result=\"success\"} 0",
            "controller_runtime_reconcile_errors_total{controller=\"shopinstance\"} 0",
            "controller_runtime_terminal_reconcile_errors_total{controller=\"shopinstance\"} 0",
            "controller_runtime_reconcile_panics_total{controller=\"shopinstance\"} 0",
            "controller_runtime_reconcile_time_seconds_count{controller=\"shopinstance\"} 0",
            "controller_runtime_active_workers{controller=\"shopinstance\"} 0",
            "workqueue_adds_total{name=\"shopinstance\"} 0",
            "workqueue_retries_total{name=\"shopinstance\"} 0",
            "workqueue_depth{name=\"shopinstance\"} 0",
            "workqueue_queue_duration_seconds_count{name=\"shopinstance\"} 0",
            "workqueue_work_duration_seconds_count{name=\"shopinstance\"} 0",
            "workqueue_unfinished_work_seconds{name=\"shopinstance\"} 0",
            "workqueue_longest_running_processor_seconds{name=\"shopinstance\"} 0",
            "leader_election_master_status{name=\"shop-operator\"} ",
        })
        {
            Assert.Contains("\n" + zero, text, StringComparison.Ordinal);
        }

        Assert.Contains("\ncontroller_runtime_max_concurrent_reconciles{controller=\"shopinstance\"} 3\n", text, StringComparison.Ordinal);
        Assert.True(Value(text, "process_resident_memory_bytes") > 10 * 1024 * 1024, "resident memory");
        Assert.True(Value(text, "process_open_fds") > 3, "open fds");
        Assert.True(Value(text, "process_max_fds") > 0, "max fds");
        Assert.Contains("\nprocess_cpu_seconds_total ", text, StringComparison.Ordinal);
        Assert.Contains("\ndotnet_collection_count_total", text, StringComparison.Ordinal);
        // The runtime's own meter ("System.Runtime": GC, thread pool, exceptions) is polled by the adapter.
        await Poll.UntilAsync(
            async () => await ScrapeAsync(op) is { } later && later.Contains("\nsystem_runtime_dotnet_gc_collections", StringComparison.Ordinal) ? later : null,
            TimeSpan.FromSeconds(30),
            "System.Runtime meter series (system_runtime_dotnet_*)",
            TimeSpan.FromMilliseconds(500));

        // client-go's labels: code, method, host and verb, host. Read once the first list has answered: the scrape
        // above may come before any request but the first (a 404 lookup) completed.
        var answered = await Poll.UntilAsync(
            async () => await ScrapeAsync(op) is { } later && RestRequests().IsMatch(later) ? later : null,
            TimeSpan.FromSeconds(30),
            "rest_client_requests_total with a 200 GET",
            TimeSpan.FromMilliseconds(200));
        Assert.Matches(RestRequests(), answered);
        Assert.Matches(RestDuration(), answered);
    }

    [Fact]
    public async Task Work_duration_and_active_workers_follow_the_reconciles()
    {
        var ns = $"metrics-{Guid.NewGuid().ToString("N")[..6]}";
        var kube = new TestKube(new k8s.Kubernetes(fixture.Cluster.Config));
        await kube.CreateNamespaceAsync(ns);
        await using var op = await OperatorInstance.StartAsync(fixture.Cluster.Config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] });
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");

        var text = await ScrapeAsync(op);
        Assert.True(Value(text, "workqueue_work_duration_seconds_count{name=\"shopinstance\"}") >= 1, "work duration observed");
        Assert.True(Value(text, "controller_runtime_reconcile_total{controller=\"shopinstance\",result=\"success\"}") + Value(text, "controller_runtime_reconcile_total{controller=\"shopinstance\",result=\"requeue_after\"}") >= 1);
        await Poll.UntilAsync(
            async () => Value(await ScrapeAsync(op), "controller_runtime_active_workers{controller=\"shopinstance\"}") == 0 ? "idle" : null,
            TimeSpan.FromSeconds(10),
            "active workers back to 0 once the queue is idle",
            TimeSpan.FromMilliseconds(100));
    }

    private static async Task<string> ScrapeAsync(OperatorInstance op)
    {
        using var http = new HttpClient { BaseAddress = op.HttpAddress };
        return await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    }

    private static double Value(string text, string series)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException("no series " + series);
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"\nrest_client_requests_total\{code=""200"",method=""GET"",host=""127\.0\.0\.1:\d+""\} [1-9]")]
    private static partial Regex RestRequests();

    [GeneratedRegex(@"\nrest_client_request_duration_seconds_count\{verb=""GET"",host=""127\.0\.0\.1:\d+""\} [1-9]")]
    private static partial Regex RestDuration();
}
