using System.Text.Json.Nodes;

namespace Operator.Tests;

/// <summary>
/// The GC the operator really runs with is what the built runtimeconfig.json says, not what the csproj
/// meant to say: a misspelt property (ServerGarbageCollector) once left the Web SDK's server GC in place.
/// </summary>
public sealed class OperatorGcSettingsTests
{
    [Fact]
    public void The_built_operator_runs_workstation_non_concurrent_gc()
    {
        // The referenced exe's runtimeconfig.json is copied beside the test assembly, as OperatorProcess runs it from there.
        var path = Path.Combine(AppContext.BaseDirectory, "shop-operator.runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is missing: the operator is not built beside the tests");
        var options = JsonNode.Parse(File.ReadAllText(path))?["runtimeOptions"]?["configProperties"] as JsonObject;
        Assert.NotNull(options);
        Assert.False(options["System.GC.Server"]?.GetValue<bool>() ?? false, "the operator must not run server GC");
        Assert.False(options["System.GC.Concurrent"]?.GetValue<bool>() ?? true, "the operator must not run background (concurrent) GC");
    }

    [Fact]
    public void The_built_operator_does_not_spin_idle_thread_pool_workers()
    {
        // Issue 14, idle CPU: half of an idle operator's CPU was thread-pool workers spinning after each wake-up.
        var path = Path.Combine(AppContext.BaseDirectory, "shop-operator.runtimeconfig.json");
        var options = JsonNode.Parse(File.ReadAllText(path))?["runtimeOptions"]?["configProperties"] as JsonObject;
        Assert.NotNull(options);
        Assert.Equal(0, options["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]?.GetValue<int>());
    }

    [Fact]
    public void The_built_operator_runs_without_tiered_pgo()
    {
        // Issue 14, memory and CPU at 1,000 shops: the instrumented tier doubled the JIT's work and its code heap.
        var path = Path.Combine(AppContext.BaseDirectory, "shop-operator.runtimeconfig.json");
        var options = JsonNode.Parse(File.ReadAllText(path))?["runtimeOptions"]?["configProperties"] as JsonObject;
        Assert.NotNull(options);
        Assert.False(options["System.Runtime.TieredPGO"]?.GetValue<bool>() ?? true, "the operator must not run tiered PGO");
    }
}
