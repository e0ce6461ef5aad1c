using k8s;
using ShopOperator.Hosting;

namespace ShopOperator;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var command = args.Length == 0 ? "run" : args[0];
        try
        {
            return command switch
            {
                "run" => await RunAsync(),
                "render" => Cli.Render(args[1..], Console.Out, Console.Error),
                "crd" => Cli.Crd(Console.Out),
                "diagnose" => await Diagnose.DiagnoseCommand.RunAsync(args[1..], Console.Out, Console.Error, CancellationToken.None),
                "-h" or "--help" or "help" => Usage(Console.Out, 0),
                _ => Usage(Console.Error, 2),
            };
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("shop-operator: " + e.Message);
            return 2;
        }
    }

    private static async Task<int> RunAsync()
    {
        var options = OperatorOptions.FromEnvironment(Environment.GetEnvironmentVariable);
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
        await app.RunAsync();

        // A lost lease ends the process with an error, so the pod restarts (as controller-runtime's manager does).
        return app.Services.GetRequiredService<OperatorService>().LostLeadership ? 1 : 0;
    }

    private static int Usage(TextWriter writer, int exitCode)
    {
        writer.WriteLine("usage: shop-operator [run]            run the controller (default)");
        writer.WriteLine("       shop-operator render -f FILE   print the objects a ShopInstance produces, as YAML");
        writer.WriteLine("       shop-operator crd              print the ShopInstance CustomResourceDefinition");
        writer.WriteLine("       shop-operator diagnose NAME -n NAMESPACE [-o text|json]   walk the troubleshooting flow (--help for flags)");
        return exitCode;
    }
}
