using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Shop.Web;

/// <summary>
/// A page whose data the api could not give (api down, timeout, 5xx) still renders its notice, but answers
/// 503 with Retry-After instead of 200, so monitors, caches and crawlers see the failure. Only calls made by the
/// page handler count: the header's cart badge renders later and never changes the status.
/// </summary>
public sealed class ApiOutage : IAlwaysRunResultFilter
{
    private static readonly object Key = new();

    public static void Record(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[Key] = true;
    }

    public void OnResultExecuting(ResultExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        if (context.Result is PageResult && context.HttpContext.Items.ContainsKey(Key) && response.StatusCode == StatusCodes.Status200OK)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = "5";
        }
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
