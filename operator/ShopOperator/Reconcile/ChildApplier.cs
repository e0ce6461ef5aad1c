using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Runtime;

namespace ShopOperator.Reconcile;

public enum ApplyOutcome
{
    Unchanged,
    Created,
    Updated,
    Deleted,
}

/// <summary>
/// Makes one child match what we want, reading the live object from the cache:
/// missing → create; every field we set already has our value → nothing (no request at all);
/// otherwise our fields are merged over the live object and written back with PUT and its
/// resourceVersion (a concurrent writer gives 409 and the key is requeued, never a lost update).
/// Fields we do not set (annotations and labels of other tools, server defaults) are kept.
/// </summary>
public sealed class ChildApplier
{
    private readonly KubeApi _api;
    private readonly ClusterCache _cache;
    private readonly WriteMemo _memo;

    public ChildApplier(KubeApi api, ClusterCache cache, WriteMemo memo)
    {
        _api = api;
        _cache = cache;
        _memo = memo;
    }

    public async Task<ApplyOutcome> ApplyAsync(ResourceKind kind, JsonObject desired, CancellationToken ct)
    {
        var ns = desired["metadata"]!["namespace"]!.GetValue<string>();
        var name = desired["metadata"]!["name"]!.GetValue<string>();
        var live = _cache.Get(kind, ns, name);
        if (live is null)
        {
            try
            {
                await _api.CreateAsync(kind, ns, desired, ct);
                return ApplyOutcome.Created;
            }
            catch (KubeApiException e) when (e.IsConflict)
            {
                // Exists but not in our cache: either the cache is behind (requeue) or someone removed our
                // label so the filtered watch no longer shows it; adopt it back from a fresh read.
                live = await _api.GetAsync(kind, ns, name, ct);
                if (live is null || _cache.Get(kind, ns, name) is not null)
                {
                    throw;
                }
            }
        }

        var wanted = kind == ResourceKind.Secret ? SecretMetadataOnly(desired) : desired;
        if (JsonCompare.IsSubset(wanted, live) || _memo.AlreadyWritten(kind, ns, name, "", wanted, live))
        {
            return ApplyOutcome.Unchanged;
        }

        var merged = JsonCompare.Merge(live, wanted);
        merged["metadata"]!.AsObject().Remove("managedFields");
        var stored = await _api.ReplaceAsync(kind, ns, name, merged, ct);
        _memo.Record(kind, ns, name, "", wanted, stored);
        return ApplyOutcome.Updated;
    }

    /// <summary>Deletes our children of <paramref name="kind"/> that are no longer wanted (e.g. a PDB after scaling to one replica).</summary>
    public async Task<int> PruneAsync(ResourceKind kind, string ns, string owner, IReadOnlySet<string> wantedNames, CancellationToken ct)
    {
        var deleted = 0;
        foreach (var name in _cache.NamesOwnedBy(kind, ns, owner).ToList())
        {
            if (wantedNames.Contains(name))
            {
                continue;
            }

            await _api.DeleteAsync(kind, ns, name, ct);
            deleted++;
        }

        return deleted;
    }

    /// <summary>
    /// A generated Secret's data is written once at creation and never again: a later reconcile only
    /// restores our labels and owner reference.
    /// </summary>
    private static JsonObject SecretMetadataOnly(JsonObject desired)
    {
        var meta = desired["metadata"]!.AsObject();
        var metadata = new JsonObject();
        foreach (var field in new[] { "name", "namespace", "labels", "ownerReferences" })
        {
            if (meta[field] is { } value)
            {
                metadata[field] = value.DeepClone();
            }
        }

        return new JsonObject { ["metadata"] = metadata };
    }
}
