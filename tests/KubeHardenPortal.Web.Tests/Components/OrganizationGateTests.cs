using Bunit;
using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Components.Layout;
using KubeHardenPortal.Web.Features.Organizations;
using KubeHardenPortal.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace KubeHardenPortal.Web.Tests.Components;

/// <summary>The layout's gate: page content only with an active organization, or on pages that allow none.</summary>
public sealed class OrganizationGateTests
{
    private static readonly OrganizationSummary Acme = new(Guid.NewGuid(), "Acme", "acme", OrgRole.Admin);

    [Fact]
    public async Task ActiveOrganization_ShowsThePage()
    {
        await using var ctx = Context(OrganizationStatus.Active, Acme, [Acme]);
        var cut = Render(ctx, typeof(Features.Dashboard.DashboardPage));
        Assert.NotNull(cut.Find("#content"));
    }

    [Fact]
    public async Task NoMemberships_OffersToCreateAnOrganization_InsteadOfThePage()
    {
        await using var ctx = Context(OrganizationStatus.NoOrganization, null, []);
        var cut = Render(ctx, typeof(Features.Dashboard.DashboardPage));
        Assert.Empty(cut.FindAll("#content"));
        Assert.Contains("Create your organization", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MembershipsButNoneSelected_ListsThemToChoose()
    {
        await using var ctx = Context(OrganizationStatus.NoOrganization, null, [Acme]);
        var cut = Render(ctx, typeof(Features.Teams.TeamsPage));
        Assert.Empty(cut.FindAll("#content"));
        Assert.Contains("Choose an organization", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("Acme", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MfaRequired_ShowsTheEnrolmentPrompt_InsteadOfThePage()
    {
        await using var ctx = Context(OrganizationStatus.MfaRequired, Acme, [Acme]);
        var cut = Render(ctx, typeof(Features.Settings.SettingsPage));
        Assert.Empty(cut.FindAll("#content"));
        Assert.NotNull(cut.Find("#khp-enrol-mfa"));
    }

    [Fact]
    public async Task PageThatAllowsNoOrganization_IsShownWithoutOne()
    {
        await using var ctx = Context(OrganizationStatus.NoOrganization, null, []);
        var cut = Render(ctx, typeof(CreateOrganizationPage));
        Assert.NotNull(cut.Find("#content"));
    }

    private static IRenderedComponent<OrganizationGate> Render(BunitContext ctx, Type page) =>
        ctx.Render<OrganizationGate>(p => p
            .AddCascadingValue(new RouteData(page, new Dictionary<string, object?>()))
            .AddChildContent("<p id=\"content\">page</p>"));

    private static BunitContext Context(OrganizationStatus status, OrganizationSummary? org, IReadOnlyList<OrganizationSummary> memberships)
    {
        var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        // Real handlers over a database that is never reached: the gate only renders.
        ctx.Services.AddPortalData("Host=127.0.0.1;Port=1;Database=unused;Username=unused");
        var current = new CurrentOrganization();
        current.Set(status, Guid.NewGuid(), org, status == OrganizationStatus.MfaRequired, false, memberships);
        ctx.Services.AddSingleton(current);
        ctx.Services.AddScoped<OrganizationAccessResolver>();
        ctx.Services.AddScoped<SwitchOrganizationHandler>();
        return ctx;
    }
}
