using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShopOperator;
using ShopOperator.Hosting;
using ShopOperator.Runtime;
using OperatorService = ShopOperator.Hosting.OperatorService;

namespace Operator.Tests;

/// <summary>One operator process, in-process: the real host (Kestrel on 127.0.0.1:0, caches, queue, election) with test timings.</summary>
public sealed class OperatorInstance : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private OperatorInstance(WebApplication app, OperatorOptions options)
    {
        _app = app;
        Options = options;
    }

    public OperatorOptions Options { get; }

    public Uri HttpAddress { get; private set; } = new("http://127.0.0.1");

    /// <summary>Every address Kestrel listens on (the HTTPS metrics port too, when metrics are secure).</summary>
    public IReadOnlyList<Uri> Addresses => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();

    public Controller Controller => _app.Services.GetRequiredService<Controller>();

    public LeaderElection Election => _app.Services.GetRequiredService<LeaderElection>();

    public OperatorMetrics Metrics => _app.Services.GetRequiredService<OperatorMetrics>();

    public OperatorService Service => _app.Services.GetRequiredService<OperatorService>();

    /// <summary>Cancelled when the host stops itself (e.g. after losing its lease).</summary>
    public CancellationToken Stopping => _app.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;

    public static OperatorOptions TestOptions(string identity = "operator-test", string? leaseNamespace = null) => new()
    {
        ListenAddress = "127.0.0.1",
        HttpPort = 0,
        Workers = 4,
        ResyncPeriod = TimeSpan.FromMinutes(10),
        ProgressPoll = TimeSpan.FromMilliseconds(200),
        Informers = new InformerTimings(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(500)),
        LeaderElection = new LeaderElectionOptions(leaseNamespace, "shop-operator", identity, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(250)),
    };

    public static async Task<OperatorInstance> StartAsync(
        KubernetesClientConfiguration kube,
        OperatorOptions options,
        ITestOutputHelperLike? output = null,
        Action<IServiceCollection>? overrides = null)
    {
        var app = OperatorHost.Build(
            options,
            kube,
            logging: logging =>
            {
                logging.SetMinimumLevel(LogLevel.Warning);
                if (output is not null)
                {
                    logging.AddProvider(new TestOutputLoggerProvider(output));
                }
            },
            overrides: overrides);
        await app.StartAsync();
        var instance = new OperatorInstance(app, options)
        {
            HttpAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
        };
        return instance;
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _app.StopAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
