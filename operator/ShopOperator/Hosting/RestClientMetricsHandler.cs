using System.Diagnostics;
using ShopOperator.Runtime;

namespace ShopOperator.Hosting;

/// <summary>
/// Counts and times every request the Kubernetes client sends, as client-go's rest_client_requests_total{code,method,host}
/// and rest_client_request_duration_seconds{verb,host}.
/// </summary>
public sealed class RestClientMetricsHandler : DelegatingHandler
{
    private readonly OperatorMetrics _metrics;

    public RestClientMetricsHandler(OperatorMetrics metrics)
    {
        _metrics = metrics;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var host = request.RequestUri?.Authority ?? "";
        var method = request.Method.Method;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            _metrics.RestRequests.WithLabels(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), method, host).Inc();
            return response;
        }
        catch (HttpRequestException)
        {
            _metrics.RestRequests.WithLabels("<error>", method, host).Inc();
            throw;
        }
        finally
        {
            // For a watch this is the time to the response headers, as in client-go.
            _metrics.RestRequestDuration.WithLabels(method, host).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
