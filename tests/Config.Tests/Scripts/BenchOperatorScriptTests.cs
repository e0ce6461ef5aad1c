using Xunit;

namespace Config.Tests.Scripts;

/// <summary>
/// `make bench-operator` (bench/operator.sh with its helper bench/operator_shops.py, issue 14) runs for minutes
/// on a quiet machine, so it is not run here: these tests check that its pieces parse and that its report
/// replaces only its own section of docs/benchmarks.md.
/// </summary>
public sealed class BenchOperatorScriptTests
{
    private const string Helper = "bench/operator_shops.py";

    [SkippableFact]
    public async Task The_make_target_runs_the_script_and_both_files_parse()
    {
        var makefile = Repo.Read("Makefile");
        Assert.Matches(@"(?m)^\.PHONY:.*\bbench-operator\b", makefile);
        Assert.Matches(@"(?m)^bench-operator: ## .+\n\t@\./bench/operator\.sh$", makefile);

        Skip.IfNot(Processes.OnPath("bash") && Processes.OnPath("python3"), "bash or python3 is not installed");
        var bash = await Processes.RunAsync("bash", ["-n", Repo.Path("bench/operator.sh")]);
        Assert.True(bash.ExitCode == 0, bash.Output);
        var python = await Processes.RunAsync("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", Repo.Path(Helper)]);
        Assert.True(python.ExitCode == 0, python.Output);
    }

    [SkippableFact]
    public async Task The_report_replaces_only_its_section_with_a_table_per_size_and_the_spread_of_the_runs()
    {
        Skip.IfNot(Processes.OnPath("python3"), "python3 is not installed");
        var dir = Directory.CreateTempSubdirectory("bench-operator-").FullName;
        try
        {
            var results = Path.Combine(dir, "results.jsonl");
            await File.WriteAllLinesAsync(results, [Run(20, 1, readySeconds: 4.0), Run(20, 2, readySeconds: 6.0), Run(100, 1, readySeconds: 9.5)]);
            var header = Path.Combine(dir, "header.md");
            await File.WriteAllTextAsync(header, "<!-- operator-bench:start -->\n## Operator at scale\n\nnew method text\n");
            var doc = Path.Combine(dir, "benchmarks.md");
            await File.WriteAllTextAsync(doc, "# Benchmarks\n\nbefore\n\n<!-- operator-bench:start -->\n## Operator at scale\n\nOLD TABLE\n<!-- operator-bench:end -->\n\nafter, written by hand\n");

            var run = await Processes.RunAsync("python3", [Repo.Path(Helper), "report", "--results", results, "--header", header, "--out", doc]);
            Assert.True(run.ExitCode == 0, run.Output);

            var text = await File.ReadAllTextAsync(doc);
            Assert.StartsWith("# Benchmarks\n\nbefore\n\n<!-- operator-bench:start -->\n## Operator at scale\n\nnew method text\n", text, StringComparison.Ordinal);
            Assert.EndsWith("<!-- operator-bench:end -->\n\nafter, written by hand\n", text, StringComparison.Ordinal);
            Assert.DoesNotContain("OLD TABLE", text, StringComparison.Ordinal);
            Assert.Contains("### 20 ShopInstances (2 runs)", text, StringComparison.Ordinal);
            Assert.Contains("### 100 ShopInstances (1 run)", text, StringComparison.Ordinal);
            // The median of the runs, then each run: the run-to-run spread.
            Assert.Contains("| time from the first create to all Ready (s) | 5.0 | 4.0 / 6.0 |", text, StringComparison.Ordinal);
            Assert.Contains("| resident memory after convergence (MiB) | 100.0 | 100.0 / 100.0 |", text, StringComparison.Ordinal);
            Assert.Contains("| writes the restart made (create/update/patch/delete) | 0 | 0 / 0 | 0 |", text, StringComparison.Ordinal);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "operator-bench:start"));

            // Sizing: a line through the two largest sizes, of the largest of RSS after convergence, after the
            // restart and the restart's peak (here 100 MiB at 20 shops, a 110 MiB peak at 100), and Flux's figure.
            Assert.Contains("97.5 MiB + 128.0 KiB per shop", text, StringComparison.Ordinal);
            Assert.Contains("published at 175 MiB for 1,000 Kustomizations: 1,000 ShopInstances would take about 222.5 MiB", text, StringComparison.Ordinal);

            // Without the markers the section is appended and the file kept.
            await File.WriteAllTextAsync(doc, "# Benchmarks\n\nother sections\n");
            run = await Processes.RunAsync("python3", [Repo.Path(Helper), "report", "--results", results, "--header", header, "--out", doc]);
            Assert.True(run.ExitCode == 0, run.Output);
            text = await File.ReadAllTextAsync(doc);
            Assert.StartsWith("# Benchmarks\n\nother sections\n\n<!-- operator-bench:start -->", text, StringComparison.Ordinal);
            Assert.EndsWith("<!-- operator-bench:end -->\n", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Run(int size, int run, double readySeconds)
    {
        const long MiB = 1024 * 1024;
        return $$"""
            {"size": {{size}}, "run": {{run}}, "ready_s": {{readySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "created_s": 1.5, "ready": {{size}},
             "rss_empty": {{60 * MiB}}, "rss_converged": {{100 * MiB}}, "heap_converged": {{40 * MiB}}, "rss_restart": {{50 * MiB}},
             "hwm_restart": {{(60 * MiB) + (size * 512 * 1024)}}, "heap_restart": {{45 * MiB}}, "per_shop_converged": {{40 * MiB / size}},
             "per_shop_restart": {{50 * MiB / size}}, "restart_sync_s": 1.2, "restart_pass_s": 2.5, "restart_writes": 0,
             "restart_requests": 12, "resync_requests": 0, "resync_writes": 0, "resync_cpu_per_1000": 0.05,
             "idle_cpu_ms_per_s": 1.5, "cpu_10min_per_1000": 0.2, "emulator_rss": {{300 * MiB}}, "note": ""}
            """.ReplaceLineEndings(" ");
    }
}
