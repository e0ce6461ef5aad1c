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

    /// <summary>Calls <paramref name="leading"/> each time leadership is gained; cancels it when lost.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> leading, CancellationToken ct)
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

            return;
        }

        while (!ct.IsCancellationRequested)
        {
            await RunTermAsync(leading, ct);
        }
    }

    private async Task RunTermAsync(Func<CancellationToken, Task> leading, CancellationToken ct)
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
        elector.OnError += e => _logger.LogDebug("Leader election call failed: {Error}", e.Message);

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
                    _logger.LogWarning("Lost leadership of lease {Lease}; workers stopped", _options.LeaseName);
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
