using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Shop.Tests.E2E;

/// <summary>
/// nginx alone, from the shop's own template (shop/nginx/nginx.conf.template), rendered the way run-local.sh
/// renders it (the same seven <c>${SHOP_*}</c> names) but in front of upstreams a test chooses: a closed port,
/// a listener that never answers. An <c>edit</c> may change the rendered text for the test only.
/// Started like run-local.sh starts it (as root: the run folder handed to nobody, nginx under setpriv), stopped
/// with SIGQUIT so its workers go with it.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private static readonly string TemplatePath = Path.Combine(Repo.Root, "shop", "nginx", "nginx.conf.template");

    private readonly Process _process;
    private readonly string _runDir;

    private NginxProxy(Process process, string runDir, Uri baseUrl)
    {
        _process = process;
        _runDir = runDir;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public static string? Binary => File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : Processes.Find("nginx");

    public static async Task<NginxProxy> StartAsync(string webUpstream, string apiUpstream, Func<string, string>? edit = null)
    {
        var nginx = Binary ?? throw new InvalidOperationException("nginx not found (apt-get install nginx)");
        var runDir = Directory.CreateTempSubdirectory("shop-nginx-").FullName;
        var port = Ports.FreeTcpPort();
        var values = new Dictionary<string, string>
        {
            ["SHOP_NGINX_RUN_DIR"] = runDir,
            ["SHOP_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["SHOP_LISTEN_ADDRESS"] = "127.0.0.1",
            ["SHOP_WEB_UPSTREAM"] = webUpstream,
            ["SHOP_API_UPSTREAM"] = apiUpstream,
            ["SHOP_API_RATE"] = "1000",
            ["SHOP_API_BURST"] = "1000",
        };
        var config = await File.ReadAllTextAsync(TemplatePath);
        foreach (var (name, value) in values)
        {
            config = config.Replace("${" + name + "}", value, StringComparison.Ordinal);
        }

        config = edit is null ? config : edit(config);
        var configPath = Path.Combine(runDir, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);

        var asRoot = !OperatingSystem.IsWindows() && Environment.UserName == "root";
        if (asRoot && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(runDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            using var chown = Process.Start("chown", ["-R", "nobody:", runDir]);
            await chown.WaitForExitAsync();
        }

        var nginxArgs = new[] { "-p", runDir, "-e", "stderr", "-c", configPath };
        var psi = asRoot
            ? new ProcessStartInfo("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", nginx, .. nginxArgs])
            : new ProcessStartInfo(nginx, nginxArgs);
        psi.RedirectStandardError = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start nginx");
        var proxy = new NginxProxy(process, runDir, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await Poll.UntilAsync(
                async () => process.HasExited
                    ? throw new InvalidOperationException("nginx exited: " + await process.StandardError.ReadToEndAsync())
                    : await AcceptsAsync(port) ? "up" : null,
                TimeSpan.FromSeconds(10),
                "nginx to listen");
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }

        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // Graceful: the master takes its workers down (SIGKILL would orphan them).
            using (var quit = Process.Start("kill", ["-QUIT", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await quit.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_runDir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left to the OS's temp cleanup.
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
