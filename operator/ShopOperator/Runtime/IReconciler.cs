namespace ShopOperator.Runtime;

/// <summary>What a reconcile asks of the queue next.</summary>
public sealed record ReconcileResult(bool Requeue = false, TimeSpan? RequeueAfter = null)
{
    public static ReconcileResult Done { get; } = new();

    public static ReconcileResult After(TimeSpan delay) => new(RequeueAfter: delay);
}

public interface IReconciler
{
    Task<ReconcileResult> ReconcileAsync(string ns, string name, CancellationToken ct);
}
