using System.Net;
using System.Text.RegularExpressions;

namespace KubeHardenPortal.Web.Tests.Infrastructure;

/// <summary>Posts the static server-rendered account forms the way a browser without JavaScript would.</summary>
public static partial class Forms
{
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string path, string formName,
        IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken = default)
    {
        var page = await client.GetStringAsync(path, cancellationToken);
        var token = Antiforgery().Match(page);
        Assert.True(token.Success, $"no antiforgery token on {path}");
        var values = new Dictionary<string, string>(fields)
        {
            ["_handler"] = formName,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        };
        return await client.PostAsync(path, new FormUrlEncodedContent(values), cancellationToken);
    }

    public static string Location(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther,
            $"expected a redirect, got {(int)response.StatusCode}");
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>The redirect target's path and query, whether the server sent it absolute or relative.</summary>
    public static string LocationPath(HttpResponseMessage response) =>
        new Uri(new Uri("http://localhost"), Location(response)).PathAndQuery;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
