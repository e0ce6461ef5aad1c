using ShopOperator.Runtime;

namespace ShopOperator.Hosting;

/// <summary>Counts every request the Kubernetes client sends, as client-go's rest_client_requests_total.</summary>
public sealed class RestClientMetricsHandler : DelegatingHandler
{
    private readonly OperatorMetrics _metrics;

    public RestClientMetricsHandler(OperatorMetrics metrics)
    {
        _metrics = metrics;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            _metrics.RestRequests.WithLabels(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), request.Method.Method).Inc();
            return response;
        }
        catch (HttpRequestException)
        {
            _metrics.RestRequests.WithLabels("<error>", request.Method.Method).Inc();
            throw;
        }
    }
}
