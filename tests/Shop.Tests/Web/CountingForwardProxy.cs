using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Shop.Tests.Web;

/// <summary>
/// A minimal HTTP forward proxy on 127.0.0.1 for tests: one request per connection, absolute-form
/// (<c>GET http://host:port/path HTTP/1.1</c>, RFC 9112 3.2.2) to the one target it may reach, forwarded in origin
/// form with <c>Via: 1.1 counting-proxy</c> and <c>Connection: close</c>, the answer relayed until the target
/// closes. Anything else (CONNECT, another target, a head over 16 KB) gets an error. Counts what it forwarded.
/// </summary>
public sealed class CountingForwardProxy : IAsyncDisposable
{
    public const string ViaHeader = "1.1 counting-proxy";

    private const int MaxHead = 16 * 1024;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Uri _target;
    private int _forwarded;
    private int _refused;

    public CountingForwardProxy(Uri target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int Forwarded => Volatile.Read(ref _forwarded);

    public int Refused => Volatile.Read(ref _refused);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var ct = timeout.Token;
            try
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream, ct);
                var lines = head?.Split("\r\n") ?? [];
                var parts = lines.Length > 0 ? lines[0].Split(' ') : [];
                if (parts.Length != 3 || !Uri.TryCreate(parts[1], UriKind.Absolute, out var uri) || uri.Scheme != "http"
                    || uri.Host != _target.Host || uri.Port != _target.Port)
                {
                    Interlocked.Increment(ref _refused);
                    await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), ct);
                    return;
                }

                var forwarded = new StringBuilder($"{parts[0]} {uri.PathAndQuery} {parts[2]}\r\n");
                foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
                {
                    var name = line[..Math.Max(0, line.IndexOf(':', StringComparison.Ordinal))];
                    if (!name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && !name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase)
                        && !name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase))
                    {
                        forwarded.Append(line).Append("\r\n");
                    }
                }

                forwarded.Append("Via: ").Append(ViaHeader).Append("\r\nConnection: close\r\n\r\n");
                Interlocked.Increment(ref _forwarded);
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(_target.Host, _target.Port, ct);
                var upstreamStream = upstream.GetStream();
                await upstreamStream.WriteAsync(Encoding.ASCII.GetBytes(forwarded.ToString()), ct);
                // The shop's calls through here are GETs without a body; the answer is relayed until the target closes.
                await upstreamStream.CopyToAsync(stream, ct);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A client or target that went away: this connection only.
            }
        }
    }

    private static async Task<string?> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[MaxHead];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length, 1), ct);
            if (read == 0)
            {
                return null;
            }

            length += read;
            if (length >= 4 && buffer[length - 4] == '\r' && buffer[length - 3] == '\n' && buffer[length - 2] == '\r' && buffer[length - 1] == '\n')
            {
                return Encoding.ASCII.GetString(buffer, 0, length - 4);
            }
        }

        return null;
    }
}
