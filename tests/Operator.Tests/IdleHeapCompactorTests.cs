using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ShopOperator.Runtime;

namespace Operator.Tests;

/// <summary>The full GC after a burst (issue 14: the heap a restart leaves behind): when it runs, and when it must not.</summary>
public sealed class IdleHeapCompactorTests
{
    private const long MiB = 1024 * 1024;
    private static readonly HeapCompactionOptions Options = new(TimeSpan.FromSeconds(1), 64 * MiB);

    [Fact]
    public async Task Compacts_once_after_a_burst_when_the_queue_stayed_empty_for_two_polls()
    {
        var rig = new Rig { Allocated = 500 * MiB };
        await rig.PollAsync(1);
        Assert.Equal(0, rig.Compacted);

        await rig.PollAsync(2);
        Assert.Equal(1, rig.Compacted);

        // Idle, with nothing allocated since: no second one.
        await rig.PollAsync(10);
        Assert.Equal(1, rig.Compacted);

        // The next burst brings the next one.
        rig.Allocated += 100 * MiB;
        await rig.PollAsync(11);
        Assert.Equal(2, rig.Compacted);
        await rig.StopAsync();
    }

    [Fact]
    public async Task Never_compacts_while_the_queue_has_work()
    {
        var rig = new Rig { Allocated = 500 * MiB, Idle = false };
        await rig.PollAsync(5);
        Assert.Equal(0, rig.Compacted);

        // Busy at one poll: two idle polls in a row are needed again.
        rig.Idle = true;
        await rig.PollAsync(6);
        Assert.Equal(0, rig.Compacted);
        await rig.PollAsync(7);
        Assert.Equal(1, rig.Compacted);
        await rig.StopAsync();
    }

    [Fact]
    public async Task Does_not_compact_after_less_than_the_minimum_allocation()
    {
        var rig = new Rig { Allocated = 10 * MiB };
        await rig.PollAsync(5);
        Assert.Equal(0, rig.Compacted);
        await rig.StopAsync();
    }

    private sealed class Rig
    {
        private readonly FakeTimeProvider _time = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;
        private readonly IdleHeapCompactor _compactor;

        public Rig()
        {
            _compactor = new IdleHeapCompactor(
                () => Idle,
                () => Interlocked.Read(ref _allocated),
                () => { },
                _time,
                Options,
                NullLogger.Instance);
            _run = _compactor.RunAsync(_stop.Token);
        }

        private long _allocated;
        private volatile bool _idle = true;

        public bool Idle
        {
            get => _idle;
            set => _idle = value;
        }

        public long Allocated
        {
            get => Interlocked.Read(ref _allocated);
            set => Interlocked.Exchange(ref _allocated, value);
        }

        public int Compacted => _compactor.Compactions;

        /// <summary>Advances the clock poll by poll until the compactor has looked <paramref name="polls"/> times in all.</summary>
        public async Task PollAsync(int polls)
        {
            while (_compactor.Polls < polls)
            {
                var before = _compactor.Polls;
                _time.Advance(Options.Poll);
                await Poll.UntilAsync(() => _compactor.Polls > before, what: "the compactor's next poll");
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
            _stop.Dispose();
        }
    }
}
