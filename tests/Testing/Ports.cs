using System.Net;
using System.Net.Sockets;

namespace Testing;

/// <summary>Ports for servers a test starts: always on 127.0.0.1, never a fixed number.</summary>
public static class Ports
{
    /// <summary>A TCP port that was free on 127.0.0.1 a moment ago (the kernel picks it).</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
