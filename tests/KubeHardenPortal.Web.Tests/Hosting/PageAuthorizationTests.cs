using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;

namespace KubeHardenPortal.Web.Tests.Hosting;

public sealed class PageAuthorizationTests
{
    /// <summary>Secure by default: a new page cannot silently be public; it must say [Authorize] or [AllowAnonymous].</summary>
    [Fact]
    public void EveryRoutablePage_DeclaresItsAuthorization()
    {
        var pages = typeof(Program).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes<RouteAttribute>().Any())
            .ToList();
        Assert.True(pages.Count > 20, $"found only {pages.Count} pages");
        var undeclared = pages
            .Where(t => t.GetCustomAttribute<AuthorizeAttribute>(inherit: true) is null
                        && t.GetCustomAttribute<AllowAnonymousAttribute>(inherit: true) is null)
            .Select(t => t.FullName)
            .ToList();
        Assert.True(undeclared.Count == 0, "pages without [Authorize] or [AllowAnonymous]: " + string.Join(", ", undeclared));
    }

    [Fact]
    public void AppPages_RequireSignIn()
    {
        foreach (var ns in new[] { "Features.Dashboard", "Features.Clusters", "Features.Findings", "Features.Tickets", "Features.Teams",
                                   "Features.Audit", "Features.Settings", "Features.Organizations", "Features.Account.Manage",
                                   "Features.Members", "Features.Invitations" })
        {
            var pages = typeof(Program).Assembly.GetTypes()
                .Where(t => t.Namespace?.EndsWith(ns, StringComparison.Ordinal) == true && t.GetCustomAttributes<RouteAttribute>().Any());
            Assert.All(pages, p => Assert.NotNull(p.GetCustomAttribute<AuthorizeAttribute>(inherit: true)));
        }
    }
}
