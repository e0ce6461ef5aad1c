using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Model;

namespace ShopOperator;

/// <summary>
/// The command line: commands, flags, help and version, and the commands that need no cluster. Parsing
/// never starts anything: <c>run --help</c> prints help; an unknown flag or command is exit code 2.
/// </summary>
public static class Cli
{
    private const string Name = "shop-operator";

    private static readonly (string Command, string Usage, string Summary)[] Commands =
    [
        ("run", "run [--log-level LEVEL]", "run the controller (the default command)"),
        ("render", "render -f FILE", "print the objects a ShopInstance produces, as YAML, without a cluster (- reads stdin)"),
        ("crd", "crd", "print the ShopInstance CustomResourceDefinition"),
        ("diagnose", "diagnose NAME [-n NS] [-o text|json]", "walk the troubleshooting flow against the cluster, read-only (also: kubectl shop diagnose)"),
        ("help", "help [COMMAND]", "print this help, or a command's"),
    ];

    /// <summary>
    /// Parses <paramref name="args"/> and runs the command; <paramref name="run"/> starts the controller with the
    /// options read from <paramref name="env"/> and the flags. Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
    /// </summary>
    public static async Task<int> MainAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> env, Func<OperatorOptions, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(run);

        string? command = null;
        string? logLevel = null;
        var help = false;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    help = true;
                    break;
                case "--version" when command is null:
                    stdout.WriteLine(VersionText());
                    return 0;
                case "--log-level":
                    if (i + 1 >= args.Length)
                    {
                        return UsageError(stderr, "--log-level needs a value (Trace, Debug, Information, Warning, Error, Critical)");
                    }

                    logLevel = args[++i];
                    break;
                case var _ when arg.StartsWith("--log-level=", StringComparison.Ordinal):
                    logLevel = arg["--log-level=".Length..];
                    break;
                case var _ when command is null && !arg.StartsWith('-'):
                    command = arg;
                    break;
                default:
                    rest.Add(arg);
                    break;
            }
        }

        if (command is null && help)
        {
            return WriteHelp(stdout, null);
        }

        command ??= "run";
        if (command == "help")
        {
            var topic = rest.FirstOrDefault();
            return topic is null ? WriteHelp(stdout, null) : Commands.Any(c => c.Command == topic) ? WriteHelp(stdout, topic) : UsageError(stderr, $"unknown command '{topic}'");
        }

        if (!Commands.Any(c => c.Command == command))
        {
            return UsageError(stderr, $"unknown command '{command}'");
        }

        if (command == "diagnose")
        {
            // diagnose has its own flags (-n, -o, --since, ...) and help text.
            return await Diagnose.DiagnoseCommand.RunAsync(help ? ["--help"] : [.. rest], stdout, stderr, CancellationToken.None);
        }

        if (help)
        {
            return WriteHelp(stdout, command);
        }

        switch (command)
        {
            case "render":
                return rest.Count > 0 && rest[0] is not ("-f" or "--file") && rest[0].StartsWith('-') ? UsageError(stderr, $"unknown flag '{rest[0]}' for render") : Render([.. rest], stdout, stderr);
            case "crd":
                return rest.Count > 0 ? UsageError(stderr, $"unknown {(rest[0].StartsWith('-') ? "flag" : "argument")} '{rest[0]}' for crd") : Crd(stdout);
            default:
                if (rest.Count > 0)
                {
                    return UsageError(stderr, $"unknown {(rest[0].StartsWith('-') ? "flag" : "argument")} '{rest[0]}' for run");
                }

                OperatorOptions options;
                try
                {
                    options = OperatorOptions.FromEnvironment(env);
                    if (logLevel is not null)
                    {
                        options = options with { LogLevel = OperatorOptions.ParseLogLevel(logLevel, options.LogLevel, "--log-level") };
                    }
                }
                catch (ArgumentException e)
                {
                    await stderr.WriteLineAsync(Name + ": " + e.Message);
                    return 2;
                }

                return await run(options);
        }
    }

    /// <summary>"shop-operator VERSION (commit SHA)" from the assembly's informational version (VERSION+SHA, SourceRevisionId).</summary>
    public static string VersionText()
    {
        var informational = typeof(Cli).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>()
            .FirstOrDefault()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var (version, commit) = plus < 0 ? (informational, "unknown") : (informational[..plus], informational[(plus + 1)..]);
        return $"{Name} {version} (commit {commit})";
    }

    private static int UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"{Name}: {message}");
        stderr.WriteLine($"Run '{Name} --help' for usage.");
        return 2;
    }

    private static int WriteHelp(TextWriter stdout, string? command)
    {
        if (command is null)
        {
            stdout.WriteLine($"{Name}: the Kubernetes operator for ShopInstance (shop.example.com/v1alpha1).");
            stdout.WriteLine();
            stdout.WriteLine($"Usage: {Name} [COMMAND] [FLAGS]");
            stdout.WriteLine();
            stdout.WriteLine("Commands:");
            foreach (var (_, usage, summary) in Commands)
            {
                stdout.WriteLine($"  {usage,-26} {summary}");
            }

            stdout.WriteLine();
            stdout.WriteLine("Flags:");
            stdout.WriteLine($"  {"-h, --help",-26} help for the command and exit (nothing is started)");
            stdout.WriteLine($"  {"--version",-26} print the version and commit and exit");
            stdout.WriteLine($"  {"--log-level LEVEL",-26} run: Trace, Debug, Information, Warning, Error or Critical (overrides OPERATOR_LOG_LEVEL)");
            stdout.WriteLine();
            WriteEnvironment(stdout);
            stdout.WriteLine();
            stdout.WriteLine($"'{Name} COMMAND --help' shows one command. Exit codes: 0 ok, 1 failure, 2 usage or configuration error.");
            return 0;
        }

        var (_, commandUsage, commandSummary) = Commands.Single(c => c.Command == command);
        stdout.WriteLine($"Usage: {Name} {commandUsage}");
        stdout.WriteLine();
        stdout.WriteLine(char.ToUpperInvariant(commandSummary[0]) + commandSummary[1..] + ".");
        stdout.WriteLine();
        switch (command)
        {
            case "run":
                stdout.WriteLine("Flags:");
                stdout.WriteLine($"  {"--log-level LEVEL",-26} Trace, Debug, Information, Warning, Error or Critical (overrides OPERATOR_LOG_LEVEL)");
                stdout.WriteLine($"  {"-h, --help",-26} this help (nothing is started)");
                stdout.WriteLine();
                stdout.WriteLine("Serves /healthz and /readyz on OPERATOR_HTTP_PORT and /metrics (see OPERATOR_METRICS_SECURE). Logs are JSON lines");
                stdout.WriteLine("on stdout; lines about one ShopInstance carry its namespace and name as top-level fields.");
                stdout.WriteLine();
                WriteEnvironment(stdout);
                break;
            case "render":
                stdout.WriteLine("Flags:");
                stdout.WriteLine($"  {"-f, --file FILE",-26} the ShopInstance YAML (several documents allowed; - reads standard input)");
                stdout.WriteLine();
                stdout.WriteLine("Generated Secrets are printed without data. Exit code 2 when the input is not a valid ShopInstance.");
                break;
            default:
                stdout.WriteLine("No flags.");
                break;
        }

        return 0;
    }

    private static void WriteEnvironment(TextWriter stdout)
    {
        stdout.WriteLine("Environment (run):");
        foreach (var (name, value, meaning) in OperatorOptions.Variables)
        {
            stdout.WriteLine($"  {name,-26} {meaning}");
            stdout.WriteLine($"  {"",-26} default: {value}");
        }
    }

    /// <summary>
    /// <c>render -f shop.yaml</c>: exactly the children the operator would create, as YAML, for review in a
    /// GitOps pull request. Generated Secrets are printed without data: their values only ever exist in the cluster.
    /// </summary>
    public static int Render(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length != 2 || args[0] is not ("-f" or "--file"))
        {
            stderr.WriteLine("usage: shop-operator render -f shop.yaml   (- reads standard input)");
            return 2;
        }

        string text;
        try
        {
            text = args[1] == "-" ? Console.In.ReadToEnd() : File.ReadAllText(args[1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"render: cannot read {args[1]}: {e.Message}");
            return 2;
        }

        IReadOnlyList<JsonNode> documents;
        try
        {
            documents = JsonYaml.FromYaml(text);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            stderr.WriteLine($"render: {args[1]} is not valid YAML: {e.Message}");
            return 2;
        }

        var output = new List<JsonNode>();
        foreach (var doc in documents)
        {
            if (doc is not JsonObject shop || shop["kind"]?.GetValue<string>() != "ShopInstance" || shop["apiVersion"]?.GetValue<string>() != ResourceKind.ShopInstance.ApiVersion)
            {
                stderr.WriteLine($"render: expected kind ShopInstance, apiVersion {ResourceKind.ShopInstance.ApiVersion}");
                return 2;
            }

            shop["metadata"] ??= new JsonObject();
            if (shop["metadata"]?["name"] is null)
            {
                stderr.WriteLine("render: metadata.name: required");
                return 2;
            }

            shop["metadata"]!["namespace"] ??= "default";
            var parsed = ParsedShop.Parse(shop);
            if (parsed.Shop is not { } typed)
            {
                stderr.WriteLine($"render: {shop["metadata"]!["name"]} is invalid:");
                foreach (var error in parsed.Errors)
                {
                    stderr.WriteLine("  " + error);
                }

                return 2;
            }

            // Outside a rollout both tiers run spec.image.
            foreach (var child in DesiredState.Build(typed, typed.Spec.Image, typed.Spec.Image))
            {
                if (child["kind"]?.GetValue<string>() == "Secret")
                {
                    child.Remove("data");
                }

                output.Add(child);
            }
        }

        stdout.Write(JsonYaml.ToYaml(output));
        return 0;
    }

    public static int Crd(TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        stdout.Write(JsonYaml.ToYaml([CrdGenerator.Build()]));
        return 0;
    }
}
