using k8s;
using ShopOperator.Hosting;

namespace ShopOperator;

public static class Program
{
    public static Task<int> Main(string[] args) =>
        Cli.MainAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, RunAsync);

    private static async Task<int> RunAsync(OperatorOptions options)
    {
        KubernetesClientConfiguration kubeConfig;
        if (KubernetesClientConfiguration.IsInCluster())
        {
            kubeConfig = KubernetesClientConfiguration.InClusterConfig();
            if (!options.LeaderElection.Enabled && kubeConfig.Namespace is { Length: > 0 } podNamespace)
            {
                // In a cluster there may be two replicas: elect by default, in the operator's own namespace.
                options = options with { LeaderElection = options.LeaderElection with { Namespace = podNamespace } };
            }
        }
        else
        {
            try
            {
                kubeConfig = KubernetesClientConfiguration.BuildConfigFromConfigFile(Environment.GetEnvironmentVariable("KUBECONFIG"));
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"shop-operator: no usable kubeconfig ({e.Message}); set KUBECONFIG or run in a cluster");
                return 1;
            }
        }

        await using var app = OperatorHost.Build(options, kubeConfig);
        // Resolved before RunAsync, which disposes the host's services when it returns (on SIGTERM too).
        var service = app.Services.GetRequiredService<OperatorService>();
        await app.RunAsync();

        // A lost lease ends the process with an error, so the pod restarts (as controller-runtime's manager does).
        return service.LostLeadership ? 1 : 0;
    }
}
