using System.Net;
using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Runtime;

namespace ShopOperator.Reconcile;

public enum ApplyOutcome
{
    Unchanged,
    Created,
    Updated,

    /// <summary>The API server refused the object (422, 400, 403, …): its message is in <see cref="ApplyResult.Message"/>.</summary>
    Refused,

    /// <summary>An object of that name exists without our controller ownerReference: never adopted.</summary>
    Foreign,
}

/// <summary>What happened to one child; <see cref="Message"/> is the API server's (field path included) for a refusal.</summary>
public sealed record ApplyResult(ResourceKind Kind, string Name, ApplyOutcome Outcome, string Message = "")
{
    public bool Failed => Outcome is ApplyOutcome.Refused or ApplyOutcome.Foreign;
}

/// <summary>
/// Makes one child match what we want with server-side apply (field manager <see cref="FieldManager"/>), reading the
/// live object from the cache:
/// - missing from the cache → one targeted read: absent → apply (which creates it); present without our controller
///   ownerReference → <see cref="ApplyOutcome.Foreign"/>, never adopted (apply would take it over);
/// - we applied this very object before and every field of it still has our value → nothing, no request at all;
///   the comparison is with what WE applied, so fields other managers own (an admin's annotation, an HPA's
///   replicas) never cause a write, and a field we stop applying changes our wish, so the apply removes it;
/// - otherwise apply, with force: the operator is the authority for the fields it sets (drift is repaired).
/// Generated Secrets are created once with their values (POST, as an Update of the same manager, so a later
/// apply of their metadata alone never removes the data) and only their metadata is applied afterwards.
/// A refusal of the API server (4xx other than 409 and 429) is returned, not thrown, so the other children are
/// still applied and the status names it.
/// </summary>
public sealed class ChildApplier
{
    public const string FieldManager = "shop-operator";

    private readonly KubeApi _api;
    private readonly ClusterCache _cache;
    private readonly WriteMemo _memo;

    public ChildApplier(KubeApi api, ClusterCache cache, WriteMemo memo)
    {
        _api = api;
        _cache = cache;
        _memo = memo;
    }

    /// <summary>
    /// The hash of what the operator last applied to a child, written with it: a restarted (or newly elected) operator
    /// compares its wish with it and sends nothing when they agree, so a restart makes no writes.
    /// </summary>
    public const string AppliedHashAnnotation = "shop.example.com/applied-hash";

    public async Task<ApplyResult> ApplyAsync(ResourceKind kind, JsonObject desired, string ownerUid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(desired);
        var ns = desired["metadata"]!["namespace"]!.GetValue<string>();
        var name = desired["metadata"]!["name"]!.GetValue<string>();

        // What we apply, stamped once per call. The desired object is this pass's own (built fresh by the planner), so
        // it is stamped in place rather than copied; a generated Secret is applied as its metadata only.
        var wanted = Stamped(kind == ResourceKind.Secret ? SecretMetadataOnly(desired) : desired);
        try
        {
            var live = _cache.Get(kind, ns, name);
            if (live is null)
            {
                // Not in our label-filtered cache: either it does not exist, or it is someone else's (or ours with
                // our label removed). One targeted read tells which; it happens only when something is missing.
                live = await _api.TryGetAsync(kind, ns, name, ct);
                if (live is null)
                {
                    JsonObject created;
                    if (kind == ResourceKind.Secret)
                    {
                        // Created with its data (written once), carrying the hash of the metadata we apply later.
                        Annotations(desired)[AppliedHashAnnotation] = Annotations(wanted)[AppliedHashAnnotation]!.DeepClone();
                        created = await _api.CreateAsync(kind, ns, desired, ct, FieldManager);
                    }
                    else
                    {
                        created = await _api.ApplyAsync(kind, ns, name, wanted, FieldManager, ct);
                    }

                    _memo.Record(kind, ns, name, "", wanted, created);
                    return new ApplyResult(kind, name, ApplyOutcome.Created);
                }
            }

            if (!IsOwnedBy(live, ownerUid))
            {
                return new ApplyResult(kind, name, ApplyOutcome.Foreign, $"{kind.Kind} {name} already exists and is not owned by this ShopInstance; delete or rename it (it is never adopted)");
            }

            // What we applied last is on the object itself (the hash annotation, a field we own), so this holds after
            // a restart too: same wish, and our fields still as we left them (or the server's normal form of them,
            // remembered since we last wrote) → nothing to send.
            if ((string?)live["metadata"]?["annotations"]?[AppliedHashAnnotation] == (string?)wanted["metadata"]!["annotations"]![AppliedHashAnnotation]
                && (JsonCompare.IsSubset(wanted, live) || _memo.AlreadyWritten(kind, ns, name, "", wanted, live)))
            {
                return new ApplyResult(kind, name, ApplyOutcome.Unchanged);
            }

            var stored = await _api.ApplyAsync(kind, ns, name, wanted, FieldManager, ct);
            _memo.Record(kind, ns, name, "", wanted, stored);
            return Informer.ResourceVersionOf(stored) == Informer.ResourceVersionOf(live)
                ? new ApplyResult(kind, name, ApplyOutcome.Unchanged)
                : new ApplyResult(kind, name, ApplyOutcome.Updated);
        }
        catch (KubeApiException e) when (IsRefusal(e))
        {
            return new ApplyResult(kind, name, ApplyOutcome.Refused, e.Message);
        }
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
    /// A refusal retrying the same request cannot change: the object or our rights are wrong. 409 (a stale cache,
    /// retried), 429 and 5xx (the server's trouble, retried with backoff) are not refusals.
    /// </summary>
    public static bool IsRefusal(KubeApiException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var code = (int)e.StatusCode;
        return code is >= 400 and < 500 && e.StatusCode is not HttpStatusCode.Conflict and not HttpStatusCode.TooManyRequests;
    }

    /// <summary>
    /// <paramref name="wanted"/> with the hash of itself (without this annotation) in <see cref="AppliedHashAnnotation"/>.
    /// </summary>
    private static JsonObject Stamped(JsonObject wanted)
    {
        Annotations(wanted).Remove(AppliedHashAnnotation);
        var hash = JsonCompare.Hash(wanted);
        Annotations(wanted)[AppliedHashAnnotation] = hash;
        return wanted;
    }

    private static JsonObject Annotations(JsonObject obj)
    {
        var metadata = obj["metadata"]!.AsObject();
        if (metadata["annotations"] is not JsonObject annotations)
        {
            annotations = [];
            metadata["annotations"] = annotations;
        }

        return annotations;
    }

    private static bool IsOwnedBy(JsonObject live, string ownerUid) =>
        live["metadata"]?["ownerReferences"] is JsonArray refs
        && refs.OfType<JsonObject>().Any(r => r["controller"]?.GetValue<bool>() == true && r["uid"]?.GetValue<string>() == ownerUid);

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

        // An apply names its type: apiVersion and kind are required in the body.
        return new JsonObject { ["apiVersion"] = desired["apiVersion"]?.DeepClone(), ["kind"] = desired["kind"]?.DeepClone(), ["metadata"] = metadata };
    }
}
