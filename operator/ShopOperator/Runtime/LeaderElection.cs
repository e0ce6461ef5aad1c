using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace ShopOperator.Runtime;

public sealed record LeaderElectionOptions(
    string? Namespace,
    string LeaseName,
    string Identity,
    TimeSpan LeaseDuration,
    TimeSpan RenewDeadline,
    TimeSpan RetryPeriod,
    bool ReleaseOnShutdown = true)
{
    public bool Enabled => !string.IsNullOrEmpty(Namespace);
}

/// <summary>
/// Runs the leading work only while this process holds the Lease, using KubernetesClient's
/// LeaderElector/LeaseLock. Around its known issues:
/// - it decides expiry from the time it last saw the record change plus its own LeaseDuration
///   (kubernetes-client/csharp#1599, #1640), so a standby takes over at most LeaseDuration + RetryPeriod
///   after the leader's last renewal, and a release that only shortens leaseDurationSeconds is ignored:
///   we release by clearing holderIdentity (to "", not null: a null holder makes it try to create the
///   existing Lease, which fails with 409 forever);
/// - a renewal that times out leaves its task running; work stops as soon as OnStoppedLeading fires,
///   and RenewDeadline &lt; LeaseDuration leaves the margin during which no one else can acquire.
/// </summary>
public sealed class LeaderElection
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;

    public LeaderElection(IKubernetes client, LeaderElectionOptions options, OperatorMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);

        // The elector gives up RenewDeadline after the renew loop starts, which is RetryPeriod after the last
        // success; a standby acquires LeaseDuration after it saw that success. Keep the first well before the second.
        if (options.RenewDeadline + options.RetryPeriod >= options.LeaseDuration)
        {
            throw new ArgumentException("leader election needs RenewDeadline + RetryPeriod < LeaseDuration", nameof(options));
        }

        _client = client;
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    public bool IsLeader { get; private set; }

    /// <summary>
    /// Calls <paramref name="leading"/> once leadership is gained and cancels it when lost. Like controller-runtime,
    /// a process that lost its lease does not try again: it returns <see cref="LeadershipOutcome.Lost"/> and the host
    /// exits non-zero, so the pod restarts with fresh caches and an honest state. Returns
    /// <see cref="LeadershipOutcome.Stopped"/> when <paramref name="ct"/> ends it.
    /// </summary>
    public async Task<LeadershipOutcome> RunAsync(Func<CancellationToken, Task> leading, CancellationToken ct)
    {
        if (!_options.Enabled)
        {
            _logger.LogInformation("Leader election disabled (no LEADER_ELECTION_NAMESPACE): this process leads");
            SetLeader(true);
            try
            {
                await leading(ct);
            }
            finally
            {
                SetLeader(false);
            }

            return LeadershipOutcome.Stopped;
        }

        while (!ct.IsCancellationRequested)
        {
            if (await RunTermAsync(leading, ct))
            {
                return LeadershipOutcome.Lost;
            }
        }

        return LeadershipOutcome.Stopped;
    }

    /// <summary>One elector run; true when this process led and lost the lease (not because it was stopped).</summary>
    private async Task<bool> RunTermAsync(Func<CancellationToken, Task> leading, CancellationToken ct)
    {
        var leaseLock = new LeaseLock(_client, _options.Namespace!, _options.LeaseName, _options.Identity);
        var config = new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        using var term = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task? work = null;
        elector.OnStartedLeading += () =>
        {
            _logger.LogInformation("Became leader of lease {Namespace}/{Lease} as {Identity}", _options.Namespace, _options.LeaseName, _options.Identity);
            SetLeader(true);
            work = Task.Run(() => leading(term.Token), CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            SetLeader(false);
            term.Cancel();
        };
        elector.OnNewLeader += leader => _logger.LogInformation("Lease {Lease} is held by {Leader}", _options.LeaseName, leader);
        elector.OnError += e =>
        {
            // A Lease call that fails (a missing RBAC verb, an unreachable server) means no leader and no work:
            // it must be visible, in the log and in a counter an alert can read.
            _metrics.LeaderElectionErrors.WithLabels(_options.LeaseName).Inc();
            _logger.LogWarning("Leader election call on lease {Namespace}/{Lease} failed: {Error}", _options.Namespace, _options.LeaseName, e.Message);
        };

        try
        {
            await elector.RunUntilLeadershipLostAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            await term.CancelAsync();
            if (work is not null)
            {
                await AwaitQuietlyAsync(work);
                if (!ct.IsCancellationRequested)
                {
                    _logger.LogError("Lost leadership of lease {Lease}; workers stopped, the process exits", _options.LeaseName);
                }
            }

            SetLeader(false);
        }

        if (ct.IsCancellationRequested && work is not null && _options.ReleaseOnShutdown)
        {
            // Graceful shutdown: every worker has stopped, so hand the lease over now rather than make the
            // standby wait out the lease duration.
            await ReleaseAsync();
        }

        return work is not null && !ct.IsCancellationRequested;
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _options.Namespace, cancellationToken: timeout.Token);
            if (lease.Spec?.HolderIdentity != _options.Identity)
            {
                return;
            }

            var now = DateTime.UtcNow;
            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = now;
            lease.Spec.AcquireTime = now;
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _options.Namespace, cancellationToken: timeout.Token);
            _logger.LogInformation("Released lease {Namespace}/{Lease}", _options.Namespace, _options.LeaseName);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            _logger.LogWarning("Could not release lease {Lease}: {Error}; the standby takes over after it expires", _options.LeaseName, e.Message);
        }
    }

    private void SetLeader(bool leader)
    {
        IsLeader = leader;
        _metrics.LeaderStatus.WithLabels(_options.LeaseName).Set(leader ? 1 : 0);
    }

    private async Task AwaitQuietlyAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Expected when leadership ends.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Leader work failed");
        }
    }
}

/// <summary>How <see cref="LeaderElection.RunAsync"/> ended.</summary>
public enum LeadershipOutcome
{
    /// <summary>Stopped by its token (shutdown).</summary>
    Stopped,

    /// <summary>This process led and lost the lease: the host stops and exits non-zero.</summary>
    Lost,
}
