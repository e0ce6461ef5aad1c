using System.Text.Json;
using System.Text.RegularExpressions;

namespace Config.Tests.Docker;

/// <summary>The image rules of issue 6: pinned bases, non-root numeric user, OCI labels, exec-form entrypoint.</summary>
public static partial class DockerfileRules
{
    public static readonly IReadOnlyList<string> RequiredLabels =
    [
        "org.opencontainers.image.source",
        "org.opencontainers.image.revision",
        "org.opencontainers.image.title",
        "org.opencontainers.image.licenses",
        "org.opencontainers.image.version",
    ];

    public static IReadOnlyList<string> Check(Dockerfile dockerfile)
    {
        ArgumentNullException.ThrowIfNull(dockerfile);
        var problems = new List<string>();
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var globalArgs = GlobalArgDefaults(dockerfile);
        foreach (var from in dockerfile.All("FROM"))
        {
            var words = Expand(from.Arguments, globalArgs).Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            if (words.Count == 0)
            {
                problems.Add($"line {from.Line}: FROM without an image");
                continue;
            }

            var image = words[0];
            if (words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
            {
                stages.Add(words[2]);
            }

            if (stages.Contains(image) && !image.Contains('/', StringComparison.Ordinal))
            {
                continue; // FROM an earlier stage
            }

            if (!from.Arguments.Contains("${" + BaseRegistryArg + "}/", StringComparison.Ordinal))
            {
                problems.Add($"line {from.Line}: base image '{image}' does not come through ${{{BaseRegistryArg}}} (a mirror could not serve it)");
            }

            var match = PinnedImage().Match(image);
            if (!match.Success)
            {
                problems.Add($"line {from.Line}: base image '{image}' is not pinned as name:version@sha256:<64 hex>");
            }
            else if (!VersionTag().IsMatch(match.Groups["tag"].Value))
            {
                problems.Add($"line {from.Line}: base image '{image}' has tag '{match.Groups["tag"].Value}', not a version");
            }
        }

        foreach (var restore in dockerfile.All("RUN").Where(r => r.Arguments.Contains("dotnet restore", StringComparison.Ordinal)))
        {
            if (!restore.Arguments.Contains("--mount=type=secret,id=" + NuGetConfigSecret, StringComparison.Ordinal)
                || !restore.Arguments.Contains("/run/secrets/" + NuGetConfigSecret, StringComparison.Ordinal))
            {
                problems.Add($"line {restore.Line}: dotnet restore does not read a NuGet.Config from the build secret '{NuGetConfigSecret}' (a private feed's credentials would have to go into a layer)");
            }
        }

        foreach (var declaration in dockerfile.All("ARG").Concat(dockerfile.All("ENV")))
        {
            var name = declaration.Arguments.Split('=', ' ')[0];
            if (CredentialName().IsMatch(name))
            {
                problems.Add($"line {declaration.Line}: {declaration.Keyword} {name} looks like a credential; build arguments and ENV are kept in the image's metadata (use a --mount=type=secret)");
            }
        }

        var final = dockerfile.FinalStage();
        var user = final.LastOrDefault(i => i.Keyword == "USER");
        if (user is null)
        {
            problems.Add("the final stage has no USER: the image would run as root");
        }
        else
        {
            var uid = user.Arguments.Split(':')[0].Trim();
            if (!int.TryParse(uid, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                problems.Add($"line {user.Line}: USER '{user.Arguments}' is not numeric (runAsNonRoot cannot verify a name)");
            }
            else if (number == 0)
            {
                problems.Add($"line {user.Line}: USER 0 is root");
            }
        }

        var labels = final.Where(i => i.Keyword == "LABEL").SelectMany(i => LabelKeys(i.Arguments)).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(RequiredLabels.Where(l => !labels.Contains(l)).Select(l => $"the final stage lacks the label {l}"));

        var entrypoint = final.LastOrDefault(i => i.Keyword == "ENTRYPOINT");
        if (entrypoint is null)
        {
            problems.Add("the final stage has no ENTRYPOINT");
        }
        else if (!IsExecForm(entrypoint.Arguments))
        {
            problems.Add($"line {entrypoint.Line}: ENTRYPOINT is in shell form (needs /bin/sh and swallows signals); use [\"exe\", \"arg\"]");
        }

        var cmd = final.LastOrDefault(i => i.Keyword == "CMD");
        if (cmd is not null && !IsExecForm(cmd.Arguments))
        {
            problems.Add($"line {cmd.Line}: CMD is in shell form; use [\"arg\"]");
        }

        return problems;
    }

    /// <summary>The build argument every base image's registry comes from.</summary>
    public const string BaseRegistryArg = "BASE_REGISTRY";

    /// <summary>The BuildKit secret holding a NuGet.Config for a private feed or a mirror.</summary>
    public const string NuGetConfigSecret = "nuget_config";

    /// <summary>ARGs before the first FROM are the only ones a FROM line can use; their defaults, by name.</summary>
    public static IReadOnlyDictionary<string, string> GlobalArgDefaults(Dockerfile dockerfile)
    {
        ArgumentNullException.ThrowIfNull(dockerfile);
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in dockerfile.Instructions.TakeWhile(i => i.Keyword != "FROM").Where(i => i.Keyword == "ARG"))
        {
            var parts = instruction.Arguments.Split('=', 2);
            defaults[parts[0].Trim()] = parts.Length == 2 ? parts[1].Trim().Trim('"') : "";
        }

        return defaults;
    }

    /// <summary>${NAME} and $NAME replaced by the build argument's default, as BuildKit does for FROM.</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return ArgReference().Replace(text, m =>
        {
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["bare"].Value;
            return args.TryGetValue(name, out var value) ? value : m.Value;
        });
    }

    private static bool IsExecForm(string arguments)
    {
        if (!arguments.StartsWith('['))
        {
            return false;
        }

        try
        {
            return JsonSerializer.Deserialize<string[]>(arguments) is { Length: > 0 };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static IEnumerable<string> LabelKeys(string arguments) =>
        LabelPair().Matches(arguments).Select(m => m.Groups["key"].Value.Trim('"'));

    [GeneratedRegex(@"^(?<name>[a-z0-9.\-/_:]+?):(?<tag>[A-Za-z0-9._\-]+)@sha256:[0-9a-f]{64}$")]
    private static partial Regex PinnedImage();

    // A version: starts with major.minor digits (10.0, 10.0.401-noble, 10.0.12-noble-chiseled); never "latest".
    [GeneratedRegex(@"^v?\d+\.\d+(\.\d+)?([-.][A-Za-z0-9.\-]+)?$")]
    private static partial Regex VersionTag();

    [GeneratedRegex(@"\$(\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?<bare>[A-Za-z_][A-Za-z0-9_]*))")]
    private static partial Regex ArgReference();

    [GeneratedRegex(@"(TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|CREDENTIAL)", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialName();

    [GeneratedRegex(@"(?<key>""[^""]+""|[A-Za-z0-9._\-/]+)=(""(?:[^""\\]|\\.)*""|\S+)")]
    private static partial Regex LabelPair();
}
