using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Config.Tests.Manifests;

namespace Config.Tests.Workflows;

/// <summary>The supply-chain rules every workflow obeys (seed gaps A and B), checked on its text and structure.</summary>
public static partial class WorkflowRules
{
    private static readonly HashSet<string> Scopes = new(StringComparer.Ordinal)
    {
        "actions", "attestations", "checks", "contents", "deployments", "id-token", "issues", "packages",
        "pages", "pull-requests", "security-events", "statuses",
    };

    public static IReadOnlyList<string> Check(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<string>();
        var workflow = YamlJson.LoadAll(text).Single()!.AsObject();

        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var uses = UsesLine().Match(lines[i]);
            if (!uses.Success)
            {
                continue;
            }

            var reference = uses.Groups["ref"].Value;
            if (reference.StartsWith("./", StringComparison.Ordinal))
            {
                continue;
            }

            if (!PinnedAction().IsMatch(reference))
            {
                problems.Add($"line {i + 1}: {reference} is not pinned to a full commit SHA");
            }
            else if (!VersionComment().IsMatch(uses.Groups["comment"].Value))
            {
                problems.Add($"line {i + 1}: {reference} has no '# vX.Y.Z' comment naming the pinned release");
            }
        }

        foreach (var (pattern, why) in Forbidden)
        {
            var hit = pattern.Match(text);
            if (hit.Success)
            {
                problems.Add($"'{hit.Value.Trim()}': {why}");
            }
        }

        var top = workflow["permissions"];
        if (top is not JsonObject topPermissions || topPermissions.Count != 1 || (string?)topPermissions["contents"] != "read")
        {
            problems.Add("top-level permissions must be exactly { contents: read }; jobs elevate what they need");
        }

        foreach (var (name, job) in workflow["jobs"]?.AsObject() ?? [])
        {
            var runsOn = job!["runs-on"]?.ToString() ?? "";
            if (!PinnedRunner().IsMatch(runsOn))
            {
                problems.Add($"job {name}: runs-on '{runsOn}' is not a pinned image version like ubuntu-24.04");
            }

            if (job["timeout-minutes"] is null)
            {
                problems.Add($"job {name}: no timeout-minutes");
            }

            if (job["permissions"] is JsonObject permissions)
            {
                foreach (var (scope, level) in permissions)
                {
                    if (!Scopes.Contains(scope) || (string?)level is not ("read" or "write" or "none"))
                    {
                        problems.Add($"job {name}: permission {scope}: {level} is not a known scope and level");
                    }
                }
            }
            else if (job["permissions"] is not null)
            {
                problems.Add($"job {name}: permissions must be a map of scopes (never read-all/write-all)");
            }
        }

        return problems;
    }

    private static readonly (Regex Pattern, string Why)[] Forbidden =
    [
        (new Regex(@"git\s+push[^\n]*(\s--force\b|\s-f\b|\s\+\S)", RegexOptions.None, TimeSpan.FromSeconds(1)), "never force-push"),
        (new Regex(@"git\s+push[^\n]*\s(origin\s+)?(HEAD:)?(refs/heads/)?main\b", RegexOptions.None, TimeSpan.FromSeconds(1)), "CI never pushes to main; it opens a pull request"),
        (new Regex(@"github\.run_id|github\.run_number", RegexOptions.None, TimeSpan.FromSeconds(1)), "images are named by the commit SHA, not the CI run"),
        (new Regex(@":latest\b|type=raw,value=latest|latest=true|latest=auto", RegexOptions.None, TimeSpan.FromSeconds(1)), "no latest tag"),
        (new Regex(@"runs-on:\s*\S*-latest", RegexOptions.None, TimeSpan.FromSeconds(1)), "runner images are pinned"),
        (new Regex(@"permissions:\s*(write-all|read-all)", RegexOptions.None, TimeSpan.FromSeconds(1)), "least privilege"),
        (new Regex(@"pull_request_target", RegexOptions.None, TimeSpan.FromSeconds(1)), "pull_request_target runs untrusted code with secrets"),
    ];

    [GeneratedRegex(@"^\s*(-\s+)?uses:\s*(?<ref>[^\s#]+)\s*(?<comment>#.*)?$")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-/]+)?@[0-9a-f]{40}$")]
    private static partial Regex PinnedAction();

    [GeneratedRegex(@"^#\s*v\d+(\.\d+){0,2}\b")]
    private static partial Regex VersionComment();

    [GeneratedRegex(@"^ubuntu-\d{2}\.\d{2}(-arm)?$")]
    private static partial Regex PinnedRunner();
}
