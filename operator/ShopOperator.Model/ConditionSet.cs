namespace ShopOperator.Model;

/// <summary>Builds standard-shape conditions whose lastTransitionTime moves only when the status flips.</summary>
public sealed class ConditionSet
{
    public const string Ready = "Ready";
    public const string Reconciling = "Reconciling";
    public const string Stalled = "Stalled";
    public const string DatabaseReady = "DatabaseReady";

    private readonly IReadOnlyList<Condition> _previous;
    private readonly long _generation;
    private readonly DateTimeOffset _now;
    private readonly List<Condition> _conditions = [];

    public ConditionSet(IReadOnlyList<Condition>? previous, long generation, DateTimeOffset now)
    {
        _previous = previous ?? [];
        _generation = generation;
        _now = now;
    }

    public ConditionSet Set(string type, bool status, string reason, string message)
    {
        var value = status ? ConditionStatus.True : ConditionStatus.False;
        var previous = Find(_previous, type);
        _conditions.RemoveAll(c => c.Type == type);
        _conditions.Add(new Condition
        {
            Type = type,
            Status = value,
            Reason = reason,
            Message = message,
            ObservedGeneration = _generation,
            LastTransitionTime = previous?.Status == value && previous.LastTransitionTime is { } since ? since : _now,
        });
        return this;
    }

    /// <summary>Keeps a condition from the previous status untouched (e.g. DatabaseReady while the database was not looked at).</summary>
    public ConditionSet Keep(string type)
    {
        if (Find(_previous, type) is { } previous)
        {
            _conditions.RemoveAll(c => c.Type == type);
            _conditions.Add(previous);
        }

        return this;
    }

    public IReadOnlyList<Condition> ToList() => [.. _conditions];

    public static Condition? Find(IReadOnlyList<Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    public static DateTimeOffset? Since(IReadOnlyList<Condition>? conditions, string type, ConditionStatus status) =>
        Find(conditions, type) is { } c && c.Status == status ? c.LastTransitionTime : null;
}
