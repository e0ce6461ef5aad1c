using System.Net;

namespace Shop.Web;

/// <summary>
/// The outcome of one call to the api: a value, or the problem the api reported (status and a message fit
/// to show a shopper). Pages branch on it; an api error never becomes a 500 page.
/// </summary>
public sealed record ApiResult<T>(T? Value, HttpStatusCode Status, string? Problem)
{
    public bool Ok => Problem is null && Value is not null;

    public static ApiResult<T> Success(T value, HttpStatusCode status) => new(value, status, null);

    public static ApiResult<T> Failure(HttpStatusCode status, string problem) => new(default, status, problem);
}
