using System.Net;

namespace ShopOperator.Kube;

/// <summary>A non-success answer of the API server, with the Status reason when it sent one.</summary>
public sealed class KubeApiException : Exception
{
    public KubeApiException(HttpStatusCode statusCode, string? reason, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    public KubeApiException()
        : this(HttpStatusCode.InternalServerError, null, "Kubernetes API error")
    {
    }

    public KubeApiException(string message)
        : this(HttpStatusCode.InternalServerError, null, message)
    {
    }

    public KubeApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = HttpStatusCode.InternalServerError;
    }

    public HttpStatusCode StatusCode { get; }

    public string? Reason { get; }

    public bool IsConflict => StatusCode == HttpStatusCode.Conflict;

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    public bool IsGone => StatusCode == HttpStatusCode.Gone;
}
