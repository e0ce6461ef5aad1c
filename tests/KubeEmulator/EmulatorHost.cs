using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace KubeEmulator;

/// <summary>Options of one emulator instance.</summary>
public sealed record EmulatorOptions
{
    /// <summary>0 picks a free port on 127.0.0.1.</summary>
    public int Port { get; init; }

    /// <summary>How long the emulated deployment controller waits before it reports a Deployment's status.</summary>
    public TimeSpan DeploymentControllerDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many watch events are kept; a watch from an older resourceVersion gets 410 Gone.</summary>
    public int WatchHistoryWindow { get; init; } = 10_000;

    /// <summary>
    /// Enforce RBAC for service-account tokens (<c>Bearer system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c>); every other
    /// token stays cluster-admin. The standalone server turns it on with <c>KUBE_EMULATOR_RBAC=1</c>.
    /// </summary>
    public bool Rbac { get; init; }
}

/// <summary>A Kubernetes API server emulator on 127.0.0.1 over plain HTTP, in-process.</summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ApiStore _store;

    private EmulatorHost(WebApplication app, ApiStore store, Uri baseUri)
    {
        _app = app;
        _store = store;
        BaseUri = baseUri;
        ClientConfiguration = new KubernetesClientConfiguration { Host = baseUri.ToString().TrimEnd('/') };
    }

    public Uri BaseUri { get; }

    /// <summary>A configuration for <c>new Kubernetes(...)</c>; each call of the client shares this emulator.</summary>
    public KubernetesClientConfiguration ClientConfiguration { get; }

    public EmulatorFaults Faults => _store.Faults;

    public RequestCounts RequestCounts => _store.Counts;

    /// <summary>What each service account used while <see cref="EmulatorOptions.Rbac"/> was on, and which granted permissions it never used.</summary>
    public AccessLog AccessLog => _store.Access;

    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        // No reload of appsettings on change: that watches the working directory and everything below it, and
        // costs CPU whenever a process writes there (the operator's log in `make bench-operator`).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var store = new ApiStore(options, TimeProvider.System);
        app.Run(store.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EmulatorHost(app, store, new Uri(address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _store.StopAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Fault injection for tests.</summary>
public sealed class EmulatorFaults
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];
    private readonly Action _closeWatches;
    private readonly Action _compact;

    internal EmulatorFaults(Action closeWatches, Action compact)
    {
        _closeWatches = closeWatches;
        _compact = compact;
    }

    /// <summary>Added before every answer.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Ends every open watch stream (clients see the stream end, as after an API server restart).</summary>
    public void CloseAllWatches() => _closeWatches();

    /// <summary>Forgets the watch history, so the next watch from any earlier resourceVersion gets 410 Gone.</summary>
    public void CompactHistory() => _compact();

    /// <summary>The next <paramref name="count"/> requests with this verb (get, list, watch, create, update, patch, delete, deletecollection)
    /// on this resource (plural, or plural/subresource) answer <paramref name="statusCode"/> (409, 429 with Retry-After: 1, 500, 503).</summary>
    public void FailNext(string verb, string resource, int statusCode, int count = 1)
    {
        lock (_gate)
        {
            _rules.Add(new FaultRule(verb, resource, statusCode, count));
        }
    }

    internal int? Take(string verb, string resource)
    {
        lock (_gate)
        {
            var index = _rules.FindIndex(r => r.Verb == verb && r.Resource == resource && r.Remaining > 0);
            if (index < 0)
            {
                return null;
            }

            var rule = _rules[index];
            _rules[index] = rule with { Remaining = rule.Remaining - 1 };
            return rule.StatusCode;
        }
    }

    private sealed record FaultRule(string Verb, string Resource, int StatusCode, int Remaining);
}

/// <summary>Requests answered, by verb, resource (plural or plural/subresource) and outcome (HTTP status code).</summary>
public sealed class RequestCounts
{
    private readonly ConcurrentDictionary<(string Verb, string Resource, int Code), long> _counts = new();

    public long Get(string verb, string resource) => _counts.Where(p => p.Key.Verb == verb && p.Key.Resource == resource).Sum(p => p.Value);

    public long Get(string verb, string resource, int code) => _counts.TryGetValue((verb, resource, code), out var n) ? n : 0;

    /// <summary>create, update, patch, delete and deletecollection, on every resource.</summary>
    public long Writes => _counts.Where(p => p.Key.Verb is "create" or "update" or "patch" or "delete" or "deletecollection").Sum(p => p.Value);

    public long Total => _counts.Values.Sum();

    public IReadOnlyDictionary<(string Verb, string Resource, int Code), long> Snapshot() => new Dictionary<(string, string, int), long>(_counts);

    internal void Add(string verb, string resource, int code) => _counts.AddOrUpdate((verb, resource, code), 1, (_, n) => n + 1);

    internal string ToPrometheus()
    {
        var text = new StringBuilder("# TYPE apiserver_request_total counter\n");
        foreach (var ((verb, resource, code), n) in _counts.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"apiserver_request_total{{verb=\"{verb}\",resource=\"{resource}\",code=\"{code}\"}} {n}\n");
        }

        return text.ToString();
    }
}

internal sealed record WatchSink(string Collection, string? Namespace, Func<JsonObject, bool> Matches, Channel<string> Channel);
