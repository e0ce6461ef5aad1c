namespace ShopOperator.Runtime;

/// <summary>
/// What a reconcile asks of the queue next, as controller-runtime's Result and error:
/// <see cref="Done"/> forgets the key's backoff; <see cref="After"/> looks again after a delay (a rollout in
/// progress); <see cref="Retry"/> retries with the key's exponential backoff (a transient failure);
/// <see cref="Terminal"/> records a failure that retrying cannot fix (controller-runtime's TerminalError):
/// counted as an error, not retried until the next event.
/// </summary>
public sealed record ReconcileResult(ReconcileOutcome Outcome, TimeSpan? RequeueAfter = null, string? Error = null)
{
    public static ReconcileResult Done { get; } = new(ReconcileOutcome.Done);

    public static ReconcileResult After(TimeSpan delay) => new(ReconcileOutcome.RequeueAfter, delay);

    public static ReconcileResult Retry(string error) => new(ReconcileOutcome.Retry, Error: error);

    public static ReconcileResult Terminal(string error) => new(ReconcileOutcome.Terminal, Error: error);
}

public enum ReconcileOutcome
{
    Done,
    RequeueAfter,
    Retry,
    Terminal,
}

public interface IReconciler
{
    Task<ReconcileResult> ReconcileAsync(string ns, string name, CancellationToken ct);
}
