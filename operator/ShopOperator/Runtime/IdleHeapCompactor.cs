using System.Runtime;

namespace ShopOperator.Runtime;

/// <summary>
/// One compacting, decommitting full GC once the operator has gone quiet after a burst of work: the initial lists
/// and first pass of a (re)start, the events of a mass change, a resync pass.
/// </summary>
/// <remarks>
/// Why: the workstation, non-concurrent GC collects when allocations use up a generation's budget. A burst grows
/// the budgets and leaves its garbage (list pages, parsed copies of cached objects, each pass's desired objects) in
/// gen1/gen2; a controller that then sits idle allocates almost nothing, so the next gen2 may never come and the
/// process keeps that memory committed (issue 14 measured a 228 MiB heap after a restart of 1,000 shops, 47 MiB
/// live). <see cref="GCCollectionMode.Aggressive"/> compacts every generation, the large object heap too, and hands
/// the freed regions back to the OS at once. It is a blocking full GC of the live heap (tens of milliseconds at
/// 1,000 shops), so it runs only when the queue has been empty for two polls in a row and at least
/// <see cref="HeapCompactionOptions.MinAllocatedBytes"/> were allocated since the last one: at most once per burst,
/// never during one.
/// </remarks>
public sealed class IdleHeapCompactor
{
    private readonly Func<bool> _idle;
    private readonly Func<long> _allocatedBytes;
    private readonly Action _compact;
    private readonly TimeProvider _time;
    private readonly HeapCompactionOptions _options;
    private readonly ILogger _logger;
    private long _allocatedAtLast;
    private int _idlePolls;
    private int _polls;
    private int _compactions;

    public IdleHeapCompactor(WorkQueue queue, TimeProvider time, HeapCompactionOptions options, ILogger<IdleHeapCompactor> logger)
        : this(() => queue.IsIdle, () => GC.GetTotalAllocatedBytes(precise: false), CompactNow, time, options, logger)
    {
    }

    internal IdleHeapCompactor(Func<bool> idle, Func<long> allocatedBytes, Action compact, TimeProvider time, HeapCompactionOptions options, ILogger logger)
    {
        _idle = idle;
        _allocatedBytes = allocatedBytes;
        _compact = compact;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>How many compactions ran.</summary>
    public int Compactions => Volatile.Read(ref _compactions);

    /// <summary>How many polls are over (each one decided whether to compact).</summary>
    public int Polls => Volatile.Read(ref _polls);

    public async Task RunAsync(CancellationToken ct)
    {
        if (_options.Poll <= TimeSpan.Zero)
        {
            return; // switched off
        }

        _allocatedAtLast = _allocatedBytes();
        using var timer = new PeriodicTimer(_options.Poll, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                PollOnce();
                Interlocked.Increment(ref _polls);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private void PollOnce()
    {
        _idlePolls = _idle() ? _idlePolls + 1 : 0;
        var since = _allocatedBytes() - _allocatedAtLast;
        if (_idlePolls < 2 || since < _options.MinAllocatedBytes)
        {
            return;
        }

        var started = _time.GetTimestamp();
        _compact();
        Interlocked.Increment(ref _compactions);
        _allocatedAtLast = _allocatedBytes();
        _logger.LogDebug(
            "Compacted the heap after {Allocated} MiB allocated since the last compaction, in {Elapsed} ms; {Heap} MiB in use",
            since / 1048576,
            (int)_time.GetElapsedTime(started).TotalMilliseconds,
            GC.GetTotalMemory(forceFullCollection: false) / 1048576);
    }

    private static void CompactNow()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}

/// <summary>When <see cref="IdleHeapCompactor"/> looks (zero or less: never) and how much must have been allocated since its last compaction.</summary>
public sealed record HeapCompactionOptions(TimeSpan Poll, long MinAllocatedBytes)
{
    public static HeapCompactionOptions Default { get; } = new(TimeSpan.FromSeconds(1), 64L * 1024 * 1024);
}
