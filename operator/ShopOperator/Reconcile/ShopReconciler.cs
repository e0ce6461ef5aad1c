using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Runtime;

namespace ShopOperator.Reconcile;

/// <summary>
/// One pass over one ShopInstance, reading only from the cache:
/// deletion (finalizer) → validation → suspend → finalizer bookkeeping → database → plan (rollout, desired
/// children, status) → apply children (only what differs) → prune → status (only when changed) → events.
/// A pass that finds everything as wanted sends no request at all.
/// </summary>
public sealed class ShopReconciler : IReconciler
{
    public const string DatabaseFinalizer = "shop.example.com/database";
    public const string SkipCleanupAnnotation = "shop.example.com/skip-database-cleanup";

    private readonly KubeApi _api;
    private readonly Lazy<Controller> _controller;
    private readonly IShopModel _model;
    private readonly IDatabaseProvisioner _database;
    private readonly EventRecorder _events;
    private readonly TimeProvider _time;
    private readonly OperatorOptions _options;
    private readonly ILogger<ShopReconciler> _logger;
    private readonly ConcurrentDictionary<string, string> _provisioned = new(StringComparer.Ordinal);
    private readonly WriteMemo _memo = new();

    public ShopReconciler(
        KubeApi api,
        Lazy<Controller> controller,
        IShopModel model,
        IDatabaseProvisioner database,
        EventRecorder events,
        TimeProvider time,
        OperatorOptions options,
        ILogger<ShopReconciler> logger)
    {
        _api = api;
        _controller = controller;
        _model = model;
        _database = database;
        _events = events;
        _time = time;
        _options = options;
        _logger = logger;
    }

    private ClusterCache Cache => _controller.Value.Cache;

    public async Task<ReconcileResult> ReconcileAsync(string ns, string name, CancellationToken ct)
    {
        var shop = Cache.Get(ResourceKind.ShopInstance, ns, name);
        if (shop is null)
        {
            // Deleted: children go with it through their owner references.
            _provisioned.TryRemove(ns + "/" + name, out _);
            _memo.Forget(ns, name);
            return ReconcileResult.Done;
        }

        if (shop["metadata"]?["deletionTimestamp"] is not null)
        {
            return await FinalizeAsync(shop, ns, name, ct);
        }

        var request = _model.DatabaseRequest(shop);
        if (await SyncFinalizerAsync(shop, request, ns, name, ct))
        {
            // The update of the ShopInstance comes back through the watch and triggers the next pass.
            return ReconcileResult.Done;
        }

        // Whether this pass took the role's password from an existing database Secret: if that Secret is deleted
        // while we provision, it must not be recreated with the old password (deleting it asks for a new one);
        // the delete event brings the next pass, which generates one.
        var databaseSecretSeen = request is not null && Cache.Get(ResourceKind.Secret, ns, request.SecretName) is not null;
        var database = request is null || _model.IsSuspendedOrInvalid(shop) ? null : await EnsureDatabaseAsync(shop, request, ct);
        var plan = _model.Plan(new PlanInputs(
            shop,
            Cache.Get(ResourceKind.Deployment, ns, name + "-api"),
            Cache.Get(ResourceKind.Deployment, ns, name + "-web"),
            database,
            _time.GetUtcNow()));

        var created = 0;
        var updated = 0;
        if (!plan.Invalid && !plan.Suspended)
        {
            var applier = new ChildApplier(_api, Cache, _memo);
            foreach (var (kind, desired) in plan.Children)
            {
                if (kind == ResourceKind.Secret && request is not null
                    && (database is not { Ready: true, ConnectionString: not null } || databaseSecretSeen)
                    && desired["metadata"]!["name"]!.GetValue<string>() == request.SecretName
                    && Cache.Get(kind, ns, request.SecretName) is null)
                {
                    // The database Secret is written once, with a password the role already accepts.
                    continue;
                }

                var outcome = await applier.ApplyAsync(kind, WithSecretData(kind, desired, database), ct);
                if (outcome == ApplyOutcome.Created)
                {
                    created++;
                    _logger.LogInformation("Created {Kind} {Child}", kind.Kind, desired["metadata"]!["name"]!.GetValue<string>());
                }
                else if (outcome == ApplyOutcome.Updated)
                {
                    updated++;
                    _logger.LogInformation("Updated {Kind} {Child} (drift or spec change)", kind.Kind, desired["metadata"]!["name"]!.GetValue<string>());
                }
            }

            foreach (var kind in ResourceKind.Owned)
            {
                var wanted = plan.Children.Where(c => c.Kind == kind).Select(c => c.Object["metadata"]!["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
                await applier.PruneAsync(kind, ns, name, wanted, ct);
            }
        }

        await WriteStatusAsync(shop, plan.Status, ns, name, ct);
        foreach (var e in plan.Events)
        {
            await (e.Type == "Warning" ? _events.WarningAsync(shop, e.Reason, e.Message, ct) : _events.NormalAsync(shop, e.Reason, e.Message, ct));
        }

        if (created > 0 && shop["status"]?["observedGeneration"] is null)
        {
            await _events.NormalAsync(shop, "Created", $"Created {created} objects for the shop", ct);
        }

        if (plan.Invalid || plan.Suspended)
        {
            return ReconcileResult.Done;
        }

        if (database is { Ready: false })
        {
            // Retry the database with the key's exponential backoff; the rest of the shop is reconciled meanwhile.
            return new ReconcileResult(Requeue: true);
        }

        return plan.InProgress ? ReconcileResult.After(_options.ProgressPoll) : ReconcileResult.Done;
    }

    private async Task WriteStatusAsync(JsonObject shop, JsonObject status, string ns, string name, CancellationToken ct)
    {
        var current = shop["status"] as JsonObject;
        if ((current is not null && JsonCompare.IsSubset(status, current) && JsonCompare.IsSubset(current, status))
            || _memo.AlreadyWritten(ResourceKind.ShopInstance, ns, name, "status", status, shop))
        {
            return;
        }

        var update = (JsonObject)shop.DeepClone();
        update["status"] = status.DeepClone();
        update["metadata"]!.AsObject().Remove("managedFields");
        var stored = await _api.ReplaceStatusAsync(ResourceKind.ShopInstance, ns, name, update, ct);
        _memo.Record(ResourceKind.ShopInstance, ns, name, "status", status, stored);
    }

    private async Task<bool> SyncFinalizerAsync(JsonObject shop, DatabaseRequest? request, string ns, string name, CancellationToken ct)
    {
        var finalizers = Finalizers(shop);
        var want = request is { DeleteOnRemoval: true };
        var has = finalizers.Contains(DatabaseFinalizer);
        if (want == has)
        {
            return false;
        }

        var updated = want ? finalizers.Append(DatabaseFinalizer).ToList() : finalizers.Where(f => f != DatabaseFinalizer).ToList();
        await SetFinalizersAsync(shop, updated, ns, name, ct);
        return true;
    }

    private async Task<ReconcileResult> FinalizeAsync(JsonObject shop, string ns, string name, CancellationToken ct)
    {
        var finalizers = Finalizers(shop);
        if (!finalizers.Contains(DatabaseFinalizer))
        {
            return ReconcileResult.Done;
        }

        var skip = shop["metadata"]?["annotations"]?[SkipCleanupAnnotation]?.GetValue<string>() == "true";
        var request = _model.DatabaseRequest(shop);
        if (!skip && request is not null)
        {
            var admin = await ReadAdminSecretAsync(ns, request, ct);
            await _database.DropAsync(request, admin, ct);
            _logger.LogInformation("Dropped database and role of the shop (deletionPolicy Delete)");
        }
        else
        {
            _logger.LogWarning("Removing the database finalizer without dropping anything ({Annotation}=true)", SkipCleanupAnnotation);
        }

        await SetFinalizersAsync(shop, finalizers.Where(f => f != DatabaseFinalizer).ToList(), ns, name, ct);
        return ReconcileResult.Done;
    }

    private async Task<DatabaseOutcome> EnsureDatabaseAsync(JsonObject shop, DatabaseRequest request, CancellationToken ct)
    {
        var ns = request.Namespace;
        var secret = Cache.Get(ResourceKind.Secret, ns, request.SecretName);
        var password = secret?["data"]?["password"]?.GetValue<string>() is { } b64 ? FromBase64(b64) : null;
        var generation = shop["metadata"]?["generation"]?.ToJsonString() ?? "";
        var fingerprint = $"{generation}|{secret?["metadata"]?["resourceVersion"]}";
        var key = ns + "/" + request.ShopName;
        if (password is not null && _provisioned.TryGetValue(key, out var done) && done == fingerprint)
        {
            // Already provisioned with this password for this spec: no read, no SQL on a no-op pass.
            return new DatabaseOutcome(true, "Provisioned", "role and database exist", password);
        }

        password ??= SecretValues.NewPassword();
        try
        {
            var admin = await ReadAdminSecretAsync(ns, request, ct);
            var outcome = await _database.EnsureAsync(request, admin, password, ct);
            if (outcome.Ready && secret is not null)
            {
                _provisioned[key] = fingerprint;
            }

            return outcome;
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return new DatabaseOutcome(false, "AdminSecretNotFound", $"Secret {request.AdminSecretName} not found");
        }
    }

    private async Task<IReadOnlyDictionary<string, string>> ReadAdminSecretAsync(string ns, DatabaseRequest request, CancellationToken ct)
    {
        // The admin Secret is the user's, so it is not in our label-filtered cache: one read, only when provisioning.
        var secret = await _api.GetAsync(ResourceKind.Secret, ns, request.AdminSecretName, ct)
            ?? throw new KubeApiException(System.Net.HttpStatusCode.NotFound, "NotFound", "admin secret not found");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (secret["data"] is JsonObject data)
        {
            foreach (var (k, v) in data)
            {
                if (v is not null)
                {
                    values[k] = FromBase64(v.GetValue<string>());
                }
            }
        }

        return values;
    }

    /// <summary>Generated Secrets get their values here, at creation only (the applier never rewrites Secret data).</summary>
    private static JsonObject WithSecretData(ResourceKind kind, JsonObject desired, DatabaseOutcome? database)
    {
        if (kind != ResourceKind.Secret)
        {
            return desired;
        }

        var secret = (JsonObject)desired.DeepClone();
        secret.Remove("stringData");
        var data = new JsonObject();
        if (secret["data"] is JsonObject placeholder)
        {
            foreach (var (field, _) in placeholder)
            {
                data[field] = ToBase64(field switch
                {
                    "password" => database?.Password ?? SecretValues.NewPassword(),
                    "connectionString" => database?.ConnectionString ?? "",
                    _ => SecretValues.NewKey(),
                });
            }
        }

        secret["data"] = data;
        return secret;
    }

    private async Task SetFinalizersAsync(JsonObject shop, List<string> finalizers, string ns, string name, CancellationToken ct)
    {
        var update = (JsonObject)shop.DeepClone();
        update["metadata"]!["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode?)JsonValue.Create(f))]);
        update["metadata"]!.AsObject().Remove("managedFields");
        await _api.ReplaceAsync(ResourceKind.ShopInstance, ns, name, update, ct);
    }

    private static List<string> Finalizers(JsonObject shop) =>
        shop["metadata"]?["finalizers"] is JsonArray a ? [.. a.Select(f => f!.GetValue<string>())] : [];

    private static string FromBase64(string value) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value));

    private static string ToBase64(string value) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value));
}
