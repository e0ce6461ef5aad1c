using System.Globalization;
using KubeEmulator;

var port = int.Parse(Environment.GetEnvironmentVariable("KUBE_EMULATOR_PORT") ?? "6443", CultureInfo.InvariantCulture);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
var rbac = Environment.GetEnvironmentVariable("KUBE_EMULATOR_RBAC") is "1" or "true";
await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = port, Rbac = rbac }, stop.Token);
Console.WriteLine($"Kubernetes API emulator listening on {host.BaseUri}; Ctrl-C stops it");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("stopping");
}
