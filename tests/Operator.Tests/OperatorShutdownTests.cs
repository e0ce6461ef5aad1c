namespace Operator.Tests;

/// <summary>
/// The operator's own process stops cleanly on SIGTERM (the kubelet's stop, and every restart of make bench-operator):
/// exit code 0, no unhandled exception. Before, the exit code was read from the host's services after the host had
/// disposed them, so every stop ended in an ObjectDisposedException and SIGABRT (exit 134).
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class OperatorShutdownTests(EmulatorFixture fixture)
{
    [Fact]
    public async Task Sigterm_stops_the_process_with_exit_code_0_and_no_unhandled_exception()
    {
        var ns = $"stop-{Guid.NewGuid().ToString("N")[..6]}";
        await using var op = OperatorProcess.Start(fixture.Cluster.Config, new Dictionary<string, string> { ["WATCH_NAMESPACES"] = ns, ["OPERATOR_LOG_LEVEL"] = "Information" });
        await Poll.UntilAsync(
            () => Task.FromResult(op.Stdout.FirstOrDefault(l => l.Contains("\"Caches synced\"", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(90), // a cold process on a loaded machine
            "the Caches synced line",
            TimeSpan.FromMilliseconds(100));

        var exit = await op.TerminateAsync(TimeSpan.FromSeconds(30));

        var stderr = string.Join('\n', op.Stderr);
        Assert.True(exit == 0, $"exit code {exit}\nstderr:\n{stderr}");
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.Contains(op.Stdout, l => l.Contains("\"Message\":\"Application is shutting down...\"", StringComparison.Ordinal));
    }
}
