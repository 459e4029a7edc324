using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Security;

namespace KubeHardenPortal.Web.Features.Organizations;

internal static class OrganizationsFeature
{
    public static IServiceCollection AddOrganizations(this IServiceCollection services)
    {
        services.AddScoped<CreateOrganizationHandler>();
        services.AddScoped<SwitchOrganizationHandler>();
        services.AddScoped<UpdateOrganizationSettingsHandler>();
        services.AddScoped<ListMembersHandler>();
        return services;
    }

    /// <summary>/api/organizations: the caller's organizations, and the active one (403 when none: fail closed).</summary>
    public static RouteGroupBuilder MapOrganizationApi(this RouteGroupBuilder group)
    {
        group.RequireAuthorization().WithTags("Organizations");
        group.MapGet("/", (CurrentOrganization current) =>
            TypedResults.Ok(current.Memberships.Select(m => new OrganizationDto(m.Id, m.Name, m.Slug, m.Role.ToString(),
                m.Id == current.Organization?.Id))));
        group.MapGet("/current", (CurrentOrganization current) =>
                TypedResults.Ok(new OrganizationDto(current.Organization!.Id, current.Organization.Name, current.Organization.Slug,
                    current.Organization.Role.ToString(), true)))
            .AddEndpointFilter<RequireOrganizationFilter>();
        group.MapGet("/current/members", async (ListMembersHandler handler, CancellationToken cancellationToken) =>
                (await handler.HandleAsync(cancellationToken)).ToHttpResult())
            .AddEndpointFilter<RequireOrganizationFilter>();
        return group;
    }

    /// <summary>/api/v1/organization: the caller's organization (users: the selected one; tokens: the token's).</summary>
    public static RouteGroupBuilder MapOrganizationEndpoints(this RouteGroupBuilder group)
    {
        group.WithTags("Organization").RequireOrgRole(OrgRole.Member);
        group.MapGet("/", (CurrentOrganization current) =>
            TypedResults.Ok(new OrganizationDto(current.Organization!.Id, current.Organization.Name, current.Organization.Slug,
                current.Organization.Role.ToString(), true)));
        return group;
    }

    /// <summary>/api/v1/members: the organization's members with their MFA state (Owners, Admins, Auditors).</summary>
    public static RouteGroupBuilder MapMemberEndpoints(this RouteGroupBuilder group)
    {
        group.WithTags("Members").RequireOrgRole(OrgRole.Auditor);
        group.MapGet("/", async (ListMembersHandler handler, CancellationToken cancellationToken) =>
                (await handler.HandleAsync(cancellationToken)).ToHttpResult())
            .Produces<IReadOnlyList<MemberRow>>();
        return group;
    }
}

public sealed record OrganizationDto(Guid Id, string Name, string Slug, string Role, bool Selected);
