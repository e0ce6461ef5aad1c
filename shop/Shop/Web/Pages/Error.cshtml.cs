using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Shop.Web.Pages;

/// <summary>The friendly page for unexpected failures and bare status codes (404 for unknown paths).</summary>
[Microsoft.AspNetCore.Mvc.IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; }

    public void OnGet(int? code) => Status = code ?? StatusCodes.Status500InternalServerError;

    public void OnPost(int? code) => OnGet(code);
}
