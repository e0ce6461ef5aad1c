using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShopOperator.Database;
using ShopOperator.Diagnose;
using ShopOperator.Hosting;
using ShopOperator.Kube;
using ShopOperator.Model;
using ShopOperator.Runtime;

namespace ShopOperator.Reconcile;

/// <summary>
/// One pass over one ShopInstance, reading only from the cache, in named steps (docs/architecture.md):
/// finalize → finalizer → validate → suspend → database → apply → prune → status → events.
/// A pass that finds everything as wanted sends no request at all.
/// </summary>
public sealed class ShopReconciler : IReconciler
{
    public const string DatabaseFinalizer = "shop.example.com/database";
    public const string SkipCleanupAnnotation = "shop.example.com/skip-database-cleanup";

    /// <summary>Database outcomes retrying cannot fix: the admin Secret must change (which brings the next pass).</summary>
    private static readonly HashSet<string> TerminalDatabaseReasons =
        [ProvisionReasons.AuthenticationFailed, ProvisionReasons.PermissionDenied, ProvisionReasons.InvalidAdminSecret];

    /// <summary>Children are applied in this order: a NetworkPolicy exists before the pods it protects.</summary>
    private static readonly ResourceKind[] ApplyOrder =
    [
        ResourceKind.Secret, ResourceKind.ServiceAccount, ResourceKind.NetworkPolicy, ResourceKind.Service,
        ResourceKind.Deployment, ResourceKind.PodDisruptionBudget, ResourceKind.Ingress, ResourceKind.HttpRoute,
    ];

    private static readonly ResourceKind Pod = new("", "v1", "pods", "Pod");

    private readonly KubeApi _api;
    private readonly ClusterCache _cache;
    private readonly IDatabaseProvisioner _database;
    private readonly EventRecorder _events;
    private readonly TimeProvider _time;
    private readonly OperatorOptions _options;
    private readonly ILogger<ShopReconciler> _logger;
    private readonly ControllerDefinition _definition;
    private readonly GatewayApi _gatewayApi;
    private readonly ConcurrentDictionary<string, string> _provisioned = new(StringComparer.Ordinal);
    private readonly WriteMemo _memo = new();
    private readonly SettledPasses _settled = new();
    private readonly OperatorMetrics? _metrics;

    public ShopReconciler(
        KubeApi api,
        ClusterCache cache,
        IDatabaseProvisioner database,
        EventRecorder events,
        TimeProvider time,
        OperatorOptions options,
        ILogger<ShopReconciler> logger,
        ControllerDefinition definition,
        GatewayApi gatewayApi,
        OperatorMetrics? metrics = null)
    {
        _metrics = metrics;
        _definition = definition;
        _gatewayApi = gatewayApi;
        _api = api;
        _cache = cache;
        _database = database;
        _events = events;
        _time = time;
        _options = options;
        _logger = logger;
    }

    public async Task<ReconcileResult> ReconcileAsync(string ns, string name, CancellationToken ct)
    {
        var shop = _cache.Get(ResourceKind.ShopInstance, ns, name);
        if (shop is null)
        {
            // Deleted: children go with it through their owner references.
            _provisioned.TryRemove(ns + "/" + name, out _);
            _memo.Forget(ns, name);
            _settled.Forget(ns + "/" + name);
            return ReconcileResult.Done;
        }

        // A resync over exactly the inputs of the last settled pass ends here (SettledPasses says why that is safe).
        string? inputs = null;
        if (shop["metadata"]?["deletionTimestamp"] is null)
        {
            inputs = SettledPasses.Inputs(_cache, _definition.Owns, shop, ns, name);
            if (_settled.IsSettled(ns + "/" + name, inputs))
            {
                _metrics?.SettledPasses.WithLabels(OperatorMetrics.ControllerName).Inc();
                return ReconcileResult.Done;
            }
        }

        _settled.Forget(ns + "/" + name);

        // The spec is validated once per pass; every step below works from this.
        var pass = Pass.Read(shop, ns, name, _time.GetUtcNow());

        // 1. finalize
        if (shop["metadata"]?["deletionTimestamp"] is not null)
        {
            return await FinalizeAsync(pass, ct);
        }

        // 2. finalizer
        if (await SyncFinalizerAsync(pass, ct))
        {
            // The update of the ShopInstance comes back through the watch and triggers the next pass.
            return ReconcileResult.Done;
        }

        // 3. validate, 4. suspend: the planner reports both; nothing is created, changed or deleted.
        if (pass.Shop is null || pass.Shop.Spec.Suspend)
        {
            var held = ShopPlanner.Plan(new PlanRequest(pass.Parsed, null, null, null, pass.Now));
            await WriteStatusAsync(pass, held.Status, ct);
            await RecordEventsAsync(pass, held.Events, ct);
            return ReconcileResult.Done;
        }

        // 5. database
        var database = await DatabaseAsync(pass, ct);

        // 6. apply
        var request = new PlanRequest(
            pass.Parsed,
            _cache.Get(ResourceKind.Deployment, ns, name + "-api"),
            _cache.Get(ResourceKind.Deployment, ns, name + "-web"),
            database.Condition,
            pass.Now,
            MissingSecrets: database.Missing,
            LiveRoute: _gatewayApi.Served ? _cache.Get(ResourceKind.HttpRoute, ns, name) : null);
        var plan = ShopPlanner.Plan(request);
        var unserved = UnservedChildren(plan);
        if (unserved.Count > 0)
        {
            plan = plan with { Children = [.. plan.Children.Where(c => !unserved.Contains(c))] };
        }

        var applied = await ApplyAsync(pass, plan, database, ct);
        applied = [.. applied, .. unserved.Select(c => new ApplyResult(KindOf(c), NameOf(c), ApplyOutcome.Refused, _gatewayApi.Message))];

        // 7. prune: only once every wanted child is in place, so a refusal never costs a running object.
        if (applied.All(a => !a.Failed))
        {
            var applier = new ChildApplier(_api, _cache, _memo);
            foreach (var kind in _definition.Owns)
            {
                var wanted = plan.Children.Where(c => KindOf(c) == kind).Select(NameOf).ToHashSet(StringComparer.Ordinal);
                await applier.PruneAsync(kind, ns, name, wanted, ct);
            }
        }

        // 8. status: what this pass found (refused children, why pods wait) goes through the same pure planner.
        // Pods are listed on failure only: a failed rollout, or a database that is not ready.
        var failures = applied.Where(a => a.Failed).Select(a => new ApplyFailure(a.Kind.Kind, a.Name, a.Message)).ToList();
        var pods = failures.Count == 0 && ConditionSet.Find(plan.Status.Conditions, ConditionSet.Ready) is { Reason: "RolloutFailed" or ReadyReasons.DatabaseNotReady }
            ? await ReadPodsAsync(pass, ct)
            : null;
        var podProblems = pods?.Problems ?? [];
        if (failures.Count > 0 || podProblems.Count > 0)
        {
            plan = ShopPlanner.Plan(request with { ApplyFailures = failures, PodProblems = podProblems });
        }

        // Not Ready: the message names the failing step of the diagnose flow, from the cache and the pods read above.
        var status = ConditionSet.Find(plan.Status.Conditions, ConditionSet.Ready) is { Status: ConditionStatus.False }
            ? ReadyDiagnosis.Annotate(plan.Status, Evidence(pass, plan, applied, failures, pods?.Items))
            : plan.Status;
        await WriteStatusAsync(pass, status, ct);

        // 9. events
        await RecordEventsAsync(pass, plan.Events, ct);
        var created = applied.Count(a => a.Outcome == ApplyOutcome.Created);
        if (created > 0 && shop["status"]?["observedGeneration"] is null)
        {
            await _events.NormalAsync(shop, "Created", $"Created {created} objects for the shop", ct);
        }

        var result = Result(plan, applied, database);
        if (inputs is not null
            && result.Outcome == ReconcileOutcome.Done
            && pass.Shop.Spec.Database.Provision is null
            && ConditionSet.Find(status.Conditions, ConditionSet.Ready) is { Status: ConditionStatus.True })
        {
            _settled.Record(ns + "/" + name, inputs);
        }

        return result;
    }

    /// <summary>An HTTPRoute when the cluster does not serve the Gateway API: never sent, reported as refused (Ready names why).</summary>
    private List<JsonObject> UnservedChildren(Plan plan) =>
        [.. plan.Children.Where(c => KindOf(c) == ResourceKind.HttpRoute && !_definition.Owns.Contains(ResourceKind.HttpRoute))];

    private ReconcileResult Result(Plan plan, IReadOnlyList<ApplyResult> applied, DatabaseStep database)
    {
        if (applied.Any(a => a.Outcome == ApplyOutcome.Foreign))
        {
            // A foreign object is not in our cache, so its removal brings no event: look again after a poll.
            return ReconcileResult.After(_options.ProgressPoll);
        }

        if (applied.FirstOrDefault(a => a.Failed) is { } refused)
        {
            // The same request would be refused again; a change of the spec (an event) brings the next pass.
            return ReconcileResult.Terminal($"{refused.Kind.Kind} {refused.Name}: {refused.Message}");
        }

        if (database.Condition is { Ready: false } failed)
        {
            // Server unreachable, busy: retry with the key's exponential backoff; the rest of the shop is reconciled meanwhile.
            return database.Terminal
                ? ReconcileResult.Terminal($"database: {failed.Reason}: {failed.Message}")
                : ReconcileResult.Retry($"database: {failed.Reason}: {failed.Message}");
        }

        return plan.InProgress ? ReconcileResult.After(_options.ProgressPoll) : ReconcileResult.Done;
    }

    private async Task<IReadOnlyList<ApplyResult>> ApplyAsync(Pass pass, Plan plan, DatabaseStep database, CancellationToken ct)
    {
        var applier = new ChildApplier(_api, _cache, _memo);
        var results = new List<ApplyResult>();
        var refusedPolicies = new List<string>();
        foreach (var desired in plan.Children.OrderBy(c => Array.IndexOf(ApplyOrder, KindOf(c))))
        {
            var kind = KindOf(desired);
            var childName = NameOf(desired);
            var exists = _cache.Get(kind, pass.Namespace, childName) is not null;
            if (kind == ResourceKind.Secret && childName == DesiredState.DatabaseSecretName(pass.Name) && !exists
                && (database.ConnectionString is null || database.SecretSeen))
            {
                // The database Secret is written once, with a password the role already accepts.
                continue;
            }

            if (kind == ResourceKind.Deployment && !exists)
            {
                if (childName == pass.Name + "-api" && !database.SecretAvailable && !results.Any(r => r.Kind == ResourceKind.Secret && r.Name == DesiredState.DatabaseSecretName(pass.Name) && r.Outcome == ApplyOutcome.Created))
                {
                    // Pods that cannot start (their Secret is missing) would only count down the rollout deadline.
                    continue;
                }

                if (refusedPolicies.Count > 0)
                {
                    // Never start pods that their NetworkPolicies do not protect yet.
                    continue;
                }
            }

            var result = await applier.ApplyAsync(kind, WithSecretData(kind, desired, database), pass.Uid, ct);
            results.Add(result);
            switch (result.Outcome)
            {
                case ApplyOutcome.Created:
                    _logger.LogInformation("Created {Kind} {Child}", kind.Kind, childName);
                    break;
                case ApplyOutcome.Updated:
                    _logger.LogInformation("Updated {Kind} {Child} (drift or spec change)", kind.Kind, childName);
                    break;
                case ApplyOutcome.Refused or ApplyOutcome.Foreign:
                    _logger.LogWarning("{Kind} {Child} not applied: {Message}", kind.Kind, childName, result.Message);
                    if (kind == ResourceKind.NetworkPolicy)
                    {
                        refusedPolicies.Add(childName);
                    }

                    break;
            }
        }

        return results;
    }

    /// <summary>
    /// The shop's pods and why they are not running (waiting reasons such as CreateContainerConfigError or
    /// ImagePullBackOff, an unschedulable pod): one targeted list, only on failure (there is no pod cache).
    /// </summary>
    private async Task<PodsRead> ReadPodsAsync(Pass pass, CancellationToken ct)
    {
        ListResult pods;
        try
        {
            pods = await _api.ListAsync(Pod, pass.Namespace, "app.kubernetes.io/instance=" + pass.Name + ",app.kubernetes.io/managed-by=" + DesiredState.ManagedBy, ct);
        }
        catch (KubeApiException e) when (ChildApplier.IsRefusal(e))
        {
            return new PodsRead(null, [$"pods could not be read: {e.Message}"]);
        }

        return new PodsRead(pods.Items, PodProblems.From(pods.Items));
    }

    /// <summary>What the diagnose steps of the Ready message look at, from the cache: the Deployments, the Ingress, the referenced Secrets' key names.</summary>
    private ReadyEvidence Evidence(Pass pass, Plan plan, IReadOnlyList<ApplyResult> results, IReadOnlyList<ApplyFailure> failures, IReadOnlyList<JsonObject>? pods)
    {
        var ns = pass.Namespace;
        var applied = plan.Children.Where(c => !failures.Any(f => f.Kind == (string?)c["kind"] && f.Name == NameOf(c))).ToList();

        // A Deployment created on this pass is not in the cache yet: what was applied (no status: 0 pods Ready) stands for it.
        var deployments = applied.Where(c => KindOf(c) == ResourceKind.Deployment)
            .Select(c => _cache.Get(ResourceKind.Deployment, ns, NameOf(c)) ?? (results.Any(r => r.Kind == ResourceKind.Deployment && r.Name == NameOf(c) && !r.Failed) ? c : null))
            .OfType<JsonObject>()
            .ToList();
        var secretNames = new List<string> { ShopOperator.Model.Specs.Deployments.DatabaseConnection(pass.Shop!).Secret };
        if (applied.FirstOrDefault(c => KindOf(c) == ResourceKind.Ingress)?["spec"]?["tls"]?[0]?["secretName"] is JsonValue tls)
        {
            secretNames.Add(tls.GetValue<string>());
        }

        var secrets = new Dictionary<string, SecretKeys>(StringComparer.Ordinal);
        foreach (var secretName in secretNames)
        {
            if (_cache.Get(ResourceKind.Secret, ns, secretName) is { } secret)
            {
                // The cache keeps other teams' Secrets with their key names only: enough to say whether a key exists.
                secrets[secretName] = new SecretKeys(secretName, (secret["data"] as JsonObject)?.Select(p => p.Key).ToHashSet(StringComparer.Ordinal) ?? []);
            }
        }

        return new ReadyEvidence(pass.Parsed, applied, failures, deployments, _cache.Get(ResourceKind.Ingress, ns, pass.Name), secrets, pods, pass.Now);
    }

    private async Task RecordEventsAsync(Pass pass, IReadOnlyList<PlannedEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            if (e.Reason.StartsWith("Rollout", StringComparison.Ordinal))
            {
                if (e.Type == "Warning")
                {
                    _logger.RolloutProblem(e.Reason, e.Message);
                }
                else
                {
                    _logger.RolloutTransition(e.Reason, e.Message);
                }
            }

            await (e.Type == "Warning" ? _events.WarningAsync(pass.Object, e.Reason, e.Message, ct) : _events.NormalAsync(pass.Object, e.Reason, e.Message, ct));
        }
    }

    private async Task WriteStatusAsync(Pass pass, ShopInstanceStatus typed, CancellationToken ct)
    {
        var status = ShopInstance.StatusToJson(typed);
        var current = pass.Object["status"] as JsonObject;
        if ((current is not null && JsonCompare.IsSubset(status, current) && JsonCompare.IsSubset(current, status))
            || _memo.AlreadyWritten(ResourceKind.ShopInstance, pass.Namespace, pass.Name, "status", status, pass.Object))
        {
            return;
        }

        var update = (JsonObject)pass.Object.DeepClone();
        update["status"] = status.DeepClone();
        update["metadata"]!.AsObject().Remove("managedFields");
        var stored = await _api.ReplaceStatusAsync(ResourceKind.ShopInstance, pass.Namespace, pass.Name, update, ct);
        _memo.Record(ResourceKind.ShopInstance, pass.Namespace, pass.Name, "status", status, stored);
    }

    /// <summary>
    /// The finalizer is present exactly when deletionPolicy is Delete. While the spec is invalid it is left as it
    /// is: an invalid spec must not let a shop go without dropping a database it promised to drop.
    /// </summary>
    private async Task<bool> SyncFinalizerAsync(Pass pass, CancellationToken ct)
    {
        if (pass.Shop is null)
        {
            return false;
        }

        var finalizers = Finalizers(pass.Object);
        var want = pass.Shop.Spec.Database.Provision?.DeletionPolicy == DeletionPolicy.Delete;
        var has = finalizers.Contains(DatabaseFinalizer);
        if (want == has)
        {
            return false;
        }

        var updated = want ? finalizers.Append(DatabaseFinalizer).ToList() : finalizers.Where(f => f != DatabaseFinalizer).ToList();
        await SetFinalizersAsync(pass, updated, ct);
        return true;
    }

    private async Task<ReconcileResult> FinalizeAsync(Pass pass, CancellationToken ct)
    {
        var finalizers = Finalizers(pass.Object);
        if (!finalizers.Contains(DatabaseFinalizer))
        {
            return ReconcileResult.Done;
        }

        var skip = pass.Object["metadata"]?["annotations"]?[SkipCleanupAnnotation]?.GetValue<string>() == "true";
        if (!skip)
        {
            // Names come from namespace and name, the admin Secret from the raw spec: an invalid spec still cleans up.
            var adminSecret = ShopController.AdminSecret(pass.Object)
                ?? throw new DatabaseCleanupException($"spec.database.provision.adminSecretRef.name is not set: cannot drop the database; set {SkipCleanupAnnotation}=true to leave it");
            var admin = await ReadAdminSecretAsync(pass.Namespace, adminSecret, ct)
                ?? throw new DatabaseCleanupException($"Secret {adminSecret} not found: cannot drop the database; set {SkipCleanupAnnotation}=true to leave it");
            if (!AdminEndpoint.TryParse(admin, out var endpoint, out var invalid))
            {
                throw new DatabaseCleanupException($"Secret {adminSecret}: {invalid.Message}");
            }

            var result = await _database.DropAsync(endpoint, DatabaseNames.For(pass.Namespace, pass.Name), ct);
            if (!result.Ready)
            {
                // The finalizer stays until the drop succeeds (retried with backoff), or the skip annotation is set.
                throw new DatabaseCleanupException($"{result.Reason}: {result.Message}");
            }

            _logger.LogInformation("Dropped database and role of the shop (deletionPolicy Delete)");
        }
        else
        {
            _logger.LogWarning("Removing the database finalizer without dropping anything ({Annotation}=true)", SkipCleanupAnnotation);
        }

        await SetFinalizersAsync(pass, finalizers.Where(f => f != DatabaseFinalizer).ToList(), ct);
        return ReconcileResult.Done;
    }

    /// <summary>
    /// The database step: with connectionSecretRef, the Secret and its key must exist (read from the cache);
    /// with provision, the admin Secret must exist, then the role and database are made to exist with the password
    /// of the shop's database Secret (a new one when that Secret is missing).
    /// </summary>
    private async Task<DatabaseStep> DatabaseAsync(Pass pass, CancellationToken ct)
    {
        var spec = pass.Shop!.Spec.Database;
        var ns = pass.Namespace;
        if (spec.ConnectionSecretRef is { } reference)
        {
            var secret = _cache.Get(ResourceKind.Secret, ns, reference.Name);
            if (secret is null)
            {
                return DatabaseStep.Waiting(new MissingSecret(reference.Name));
            }

            // The connection key, or with format Fields every required field (key-per-field Secrets of CNPG, Crunchy).
            var present = secret["data"] is JsonObject data ? data.Where(kv => kv.Value is not null).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal) : [];
            if (ShopOperator.Model.Specs.DatabaseSecret.MissingKeys(reference, present) is { Count: > 0 } missingKeys)
            {
                return new DatabaseStep(null, SecretAvailable: false) { Missing = [.. missingKeys.Select(k => new MissingSecret(reference.Name, k))] };
            }

            return new DatabaseStep(null, SecretAvailable: true);
        }

        var provision = spec.Provision!;
        var shopSecret = _cache.Get(ResourceKind.Secret, ns, DesiredState.DatabaseSecretName(pass.Name));

        // Whether this pass took the role's password from an existing database Secret: if that Secret is deleted
        // while we provision, it must not be recreated with the old password (deleting it asks for a new one);
        // the delete event brings the next pass, which generates one.
        var secretSeen = shopSecret is not null;
        var adminCached = _cache.Get(ResourceKind.Secret, ns, provision.AdminSecretRef.Name);
        if (adminCached is null)
        {
            return DatabaseStep.Waiting(new MissingSecret(provision.AdminSecretRef.Name)) with { SecretSeen = secretSeen, SecretAvailable = secretSeen };
        }

        var password = shopSecret?["data"]?["password"]?.GetValue<string>() is { } b64 ? FromBase64(b64) : null;
        var fingerprint = $"{pass.Generation}|{shopSecret?["metadata"]?["resourceVersion"]}|{adminCached["metadata"]?["resourceVersion"]}";
        var key = ns + "/" + pass.Name;
        if (password is not null && _provisioned.TryGetValue(key, out var done) && done == fingerprint)
        {
            // Already provisioned with this password, this spec and this admin Secret: no read, no SQL on a no-op pass.
            return new DatabaseStep(new DatabaseCondition(true, ProvisionReasons.Provisioned, "role and database exist"), SecretAvailable: true, SecretSeen: true, Password: password);
        }

        password ??= SecretValues.NewPassword();
        var admin = await ReadAdminSecretAsync(ns, provision.AdminSecretRef.Name, ct);
        if (admin is null)
        {
            return DatabaseStep.Waiting(new MissingSecret(provision.AdminSecretRef.Name)) with { SecretSeen = secretSeen, SecretAvailable = secretSeen };
        }

        if (!AdminEndpoint.TryParse(admin, out var endpoint, out var invalid))
        {
            return new DatabaseStep(new DatabaseCondition(false, invalid.Reason, $"Secret {provision.AdminSecretRef.Name}: {invalid.Message}"), secretSeen, secretSeen, Terminal: true);
        }

        var names = DatabaseNames.For(ns, pass.Name);
        var result = await _database.EnsureAsync(endpoint, names, password, ct);
        if (!result.Ready)
        {
            return new DatabaseStep(new DatabaseCondition(false, result.Reason, result.Message), secretSeen, secretSeen, Terminal: TerminalDatabaseReasons.Contains(result.Reason));
        }

        if (secretSeen)
        {
            _provisioned[key] = fingerprint;
        }

        return new DatabaseStep(
            new DatabaseCondition(true, result.Reason, result.Message),
            SecretAvailable: true,
            SecretSeen: secretSeen,
            Password: password,
            ConnectionString: ShopOperator.Database.DatabaseProvisioner.ConnectionStringFor(endpoint, names, password),
            Host: endpoint.Host);
    }

    /// <summary>The admin Secret is the user's: our cache keeps only its key names, so its values are one targeted read.</summary>
    private async Task<IReadOnlyDictionary<string, string>?> ReadAdminSecretAsync(string ns, string secretName, CancellationToken ct)
    {
        var secret = await _api.TryGetAsync(ResourceKind.Secret, ns, secretName, ct);
        if (secret is null)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (secret?["data"] is JsonObject data)
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
    private static JsonObject WithSecretData(ResourceKind kind, JsonObject desired, DatabaseStep database)
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
                    "password" => database.Password ?? SecretValues.NewPassword(),
                    "connectionString" => database.ConnectionString ?? "",
                    "host" => database.Host ?? "",
                    _ => SecretValues.NewKey(),
                });
            }
        }

        secret["data"] = data;
        return secret;
    }

    private async Task SetFinalizersAsync(Pass pass, List<string> finalizers, CancellationToken ct)
    {
        var update = (JsonObject)pass.Object.DeepClone();
        update["metadata"]!["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode?)JsonValue.Create(f))]);
        update["metadata"]!.AsObject().Remove("managedFields");
        await _api.ReplaceAsync(ResourceKind.ShopInstance, pass.Namespace, pass.Name, update, ct);
    }

    private static ResourceKind KindOf(JsonObject child) =>
        ResourceKind.FromApiVersionKind(child["apiVersion"]?.GetValue<string>(), child["kind"]?.GetValue<string>())
            ?? throw new InvalidOperationException($"the model produced a kind the operator does not own: {child["apiVersion"]} {child["kind"]}");

    private static string NameOf(JsonObject child) => child["metadata"]!["name"]!.GetValue<string>();

    private static List<string> Finalizers(JsonObject shop) =>
        shop["metadata"]?["finalizers"] is JsonArray a ? [.. a.Select(f => f!.GetValue<string>())] : [];

    private static string FromBase64(string value) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value));

    private static string ToBase64(string value) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>One pass's view of the ShopInstance: the raw object, parsed and validated once (<see cref="ParsedShop"/>) for every step.</summary>
    private sealed record Pass(JsonObject Object, string Namespace, string Name, string Uid, long Generation, ParsedShop Parsed, ShopInstanceStatus? StoredStatus, DateTimeOffset Now)
    {
        /// <summary>The typed ShopInstance; null when the spec is invalid.</summary>
        public ShopInstance? Shop => Parsed.Shop;

        public static Pass Read(JsonObject shop, string ns, string name, DateTimeOffset now)
        {
            var meta = shop["metadata"];
            var generation = meta?["generation"] is JsonValue g && g.GetValueKind() == JsonValueKind.Number ? g.GetValue<long>() : 0;
            return new Pass(
                shop,
                ns,
                name,
                meta?["uid"]?.GetValue<string>() ?? "",
                generation,
                ParsedShop.Parse(shop),
                ShopInstance.ReadStatus(shop["status"]),
                now);
        }
    }

    /// <summary>The shop's pods (null when they could not be listed) and their problems, one line each.</summary>
    private sealed record PodsRead(IReadOnlyList<JsonObject>? Items, IReadOnlyList<string> Problems);

    /// <summary>
    /// The database step's outcome. <see cref="Condition"/> null: the model reports its default (ExternalSecret).
    /// Password and connection string are only for writing the shop's database Secret; never logged, never in status.
    /// </summary>
    private sealed record DatabaseStep(
        DatabaseCondition? Condition,
        bool SecretAvailable,
        bool SecretSeen = false,
        bool Terminal = false,
        string? Password = null,
        string? ConnectionString = null,
        string? Host = null)
    {
        /// <summary>Referenced Secrets or keys that do not exist: the planner names them in DatabaseReady and Ready; their arrival (watched) brings the next pass.</summary>
        public IReadOnlyList<MissingSecret> Missing { get; init; } = [];

        public static DatabaseStep Waiting(MissingSecret missing) => new(null, SecretAvailable: false) { Missing = [missing] };

        public override string ToString() => $"DatabaseStep {{ Condition = {Condition}, SecretAvailable = {SecretAvailable} }}";
    }
}

/// <summary>The shop's database and role could not be dropped yet; the deletion is retried with backoff.</summary>
public sealed class DatabaseCleanupException(string message) : Exception(message);
